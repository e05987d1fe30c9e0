package org.closepolicy.jetty;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.closepolicy.CloseEvent;
import org.closepolicy.CloseMode;
import org.closepolicy.ClosePolicies;
import org.closepolicy.ClosePolicy;
import org.closepolicy.FallbackReason;
import org.closepolicy.Preset;
import org.closepolicy.WhoClosed;
import org.closepolicy.testkit.HttpResult;
import org.closepolicy.testkit.LoadResult;
import org.closepolicy.testkit.LoadRunner;
import org.closepolicy.testkit.RawHttpClient;
import org.closepolicy.testkit.Sha256;
import org.closepolicy.testkit.TimeWaitCounter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Each connection reports who ended it on the wire. Jetty turns a peer's RST into an EOF on read; the
 * endpoint still records it as {@link WhoClosed#REMOTE_RST}. A client that half-closes right after
 * its request still gets its whole response, and its early FIN is never answered with an RST. An
 * idle keep-alive connection is closed the way the policy says.
 */
class WhoClosedFirstIsRecordedTest {

    private static final byte[] GET = "GET /weather HTTP/1.1\r\nHost: localhost\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1);

    @ParameterizedTest(name = "{0}")
    @EnumSource(value = Preset.class, names = {"CLIENT_FIRST", "SAFE_RESET", "KEEP_ALIVE"})
    void peerResetAfterTheResponseIsRemoteRst(Preset preset) throws Exception {
        try (TestServer server = TestServer.start(ClosePolicies.of(preset), ExampleHandlers.routes())) {
            try (Socket s = new Socket("127.0.0.1", server.port())) {
                s.setSoTimeout(5_000);
                OutputStream out = s.getOutputStream();
                out.write(GET);
                readResponse(s.getInputStream());
                s.setSoLinger(true, 0); // close() now sends an RST
            }
            await().atMost(Duration.ofSeconds(5)).until(() -> server.events().size() == 1);
            CloseEvent e = server.events().get(0);
            assertThat(e.whoClosed()).as(e.toString()).isEqualTo(WhoClosed.REMOTE_RST);
            assertThat(e.requestsServed()).isEqualTo(1);
        }
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(value = Preset.class, names = {"CLIENT_FIRST", "SAFE_RESET", "KEEP_ALIVE"})
    void halfClosingClientGetsItsWholeResponse(Preset preset) throws Exception {
        try (TestServer server = TestServer.start(ClosePolicies.of(preset), ExampleHandlers.routes())) {
            RawHttpClient halfClose = RawHttpClient.builder(server.address()).path("/weather")
                    .closeStyle(RawHttpClient.CloseStyle.HALF_CLOSE_AFTER_REQUEST).build();
            LoadResult r = LoadRunner.builder(halfClose).requests(50).concurrency(4).expectSha256(Sha256.hex(ExampleHandlers.WEATHER))
                    .build().run();

            assertThat(r.errors()).as(r.toString()).isZero();
            assertThat(r.resets()).isZero();
            await().atMost(Duration.ofSeconds(5)).until(() -> server.events().size() == 50);
            for (CloseEvent e : server.events()) {
                assertThat(e.whoClosed()).as(e.toString()).isEqualTo(WhoClosed.REMOTE_FIN);
                assertThat(e.usedMode()).isEqualTo(CloseMode.FIN);
            }
        }
    }

    @Test
    void idleKeepAliveConnectionIsClosedByThePolicy() throws Exception {
        ClosePolicy policy = ClosePolicy.builder(Preset.KEEP_ALIVE).idleTimeout(Duration.ofSeconds(1)).build();
        try (TestServer server = TestServer.start(policy, ExampleHandlers.routes())) {
            RawHttpClient.Exchange x = RawHttpClient.builder(server.address()).path("/weather")
                    .closeStyle(RawHttpClient.CloseStyle.NEVER_CLOSE).holdTimeout(Duration.ofSeconds(20)).build().start();
            assertThat(x.response().get(10, TimeUnit.SECONDS).ok()).isTrue();

            await().atMost(Duration.ofSeconds(10)).until(() -> server.events().size() == 1);
            CloseEvent e = server.events().get(0);
            assertThat(e.whoClosed()).as(e.toString()).isIn(WhoClosed.TIMEOUT);
            assertThat(e.lifetime()).isGreaterThanOrEqualTo(Duration.ofSeconds(1));
            if (TimeWaitCounter.supported()) {
                // Client-first settings close an idle connection with an ack-checked RST: no TIME_WAIT anywhere.
                assertThat(e.usedMode()).isEqualTo(CloseMode.RST);
                assertThat(e.fallbackReason()).isEqualTo(FallbackReason.NONE);
                assertThat(TimeWaitCounter.serverSide(server.port())).isZero();
            }
            HttpResult whole = x.await(Duration.ofSeconds(10));
            assertThat(whole.resetSeen() || whole.serverClosed()).isTrue();
        }
    }

    private static void readResponse(InputStream in) throws Exception {
        StringBuilder head = new StringBuilder();
        while (!head.toString().endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) {
                throw new IllegalStateException("EOF in response head: " + head);
            }
            head.append((char) b);
        }
        int length = ExampleHandlers.WEATHER.length;
        assertThat(head.toString()).contains("Content-Length: " + length);
        assertThat(in.readNBytes(length)).hasSize(length);
    }
}
