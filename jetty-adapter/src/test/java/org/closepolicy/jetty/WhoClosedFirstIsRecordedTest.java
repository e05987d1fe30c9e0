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
import org.closepolicy.testkit.ResponseHeaders;
import org.closepolicy.testkit.Sha256;
import org.closepolicy.testkit.TimeWaitCounter;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Each connection reports who ended it on the wire. Jetty turns a peer's RST into an EOF on read; the
 * endpoint still records it as {@link WhoClosed#REMOTE_RST}. A client that half-closes right after
 * its request still gets its whole response, and a FIN that is there before the response is written
 * is never answered with an RST. An idle keep-alive connection is closed the way the policy says.
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
            assertThat(server.events()).allSatisfy(e -> assertThat(e.whoClosed()).as(e.toString()).isEqualTo(WhoClosed.REMOTE_FIN));
        }
    }

    @Test
    void earlyFinIsNeverAnsweredWithAnRst() throws Exception {
        // The handler answers 100 ms late: the FIN of a client that half-closed after its request is
        // surely there before the response is written, so safe-reset closes passively.
        Handler late = new Handler.Abstract.NonBlocking() {
            private final Handler routes = ExampleHandlers.routes();

            @Override
            public boolean handle(Request request, Response response, Callback callback) {
                request.getComponents().getScheduler().schedule(() -> {
                    try {
                        routes.handle(request, response, callback);
                    } catch (Exception e) {
                        callback.failed(e);
                    }
                }, 100, TimeUnit.MILLISECONDS);
                return true;
            }

            @Override
            public void setServer(org.eclipse.jetty.server.Server server) {
                super.setServer(server);
                routes.setServer(server);
            }
        };
        try (TestServer server = TestServer.start(ClosePolicies.safeReset(), late)) {
            RawHttpClient halfClose = RawHttpClient.builder(server.address()).path("/weather")
                    .closeStyle(RawHttpClient.CloseStyle.HALF_CLOSE_AFTER_REQUEST).build();
            LoadResult r = LoadRunner.builder(halfClose).requests(20).concurrency(4).expectSha256(Sha256.hex(ExampleHandlers.WEATHER))
                    .build().run();

            assertThat(r.errors()).as(r.toString()).isZero();
            await().atMost(Duration.ofSeconds(5)).until(() -> server.events().size() == 20);
            for (CloseEvent e : server.events()) {
                assertThat(e.whoClosed()).as(e.toString()).isEqualTo(WhoClosed.REMOTE_FIN);
                assertThat(e.usedMode()).isEqualTo(CloseMode.FIN);
                assertThat(e.fallbackReason()).isEqualTo(FallbackReason.PEER_FIN_BEFORE_FLUSH);
            }
        }
    }

    @Test
    void idleKeepAliveConnectionIsClosedByThePolicy() throws Exception {
        ClosePolicy policy = ClosePolicy.builder(Preset.KEEP_ALIVE).idleTimeout(Duration.ofSeconds(1)).ackWait(Duration.ofSeconds(10)).build();
        try (TestServer server = TestServer.start(policy, ExampleHandlers.routes())) {
            TimeWaitCounter.Since timeWait = TimeWaitCounter.since(server.port()); // before the first connection
            RawHttpClient.Exchange x = RawHttpClient.builder(server.address()).path("/weather")
                    .closeStyle(RawHttpClient.CloseStyle.NEVER_CLOSE).holdTimeout(Duration.ofSeconds(20)).build().start();
            assertThat(x.response().get(10, TimeUnit.SECONDS).ok()).isTrue();

            await().atMost(Duration.ofSeconds(20)).until(() -> server.events().size() == 1);
            CloseEvent e = server.events().get(0);
            assertThat(e.whoClosed()).as(e.toString()).isEqualTo(WhoClosed.TIMEOUT);
            assertThat(e.lifetime()).isGreaterThanOrEqualTo(Duration.ofSeconds(1));
            if (TimeWaitCounter.supported()) {
                // Client-first settings close an idle connection with an ack-checked RST: no TIME_WAIT anywhere.
                assertThat(e.usedMode()).isEqualTo(CloseMode.RST);
                assertThat(e.fallbackReason()).isEqualTo(FallbackReason.NONE);
                assertThat(timeWait.count().serverSide()).isZero();
            }
            HttpResult whole = x.await(Duration.ofSeconds(20));
            assertThat(whole.resetSeen() || whole.serverClosed()).isTrue();
        }
    }

    private static void readResponse(InputStream in) throws Exception {
        String head = ResponseHeaders.readHead(in);
        int length = ExampleHandlers.WEATHER.length;
        assertThat(head).contains("Content-Length: " + length);
        assertThat(in.readNBytes(length)).hasSize(length);
    }
}
