package org.closepolicy.netty;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.closepolicy.CloseEvent;
import org.closepolicy.ClosePolicy;
import org.closepolicy.Preset;
import org.closepolicy.RetireReason;
import org.closepolicy.WhoClosed;
import org.closepolicy.testkit.HttpResult;
import org.closepolicy.testkit.RawHttpClient;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The idle-timeout and max-age checks run on the event loop and ask the policy again: a kept connection
 * that stays idle, or grows too old and then stays quiet for an idle timeout, is retired by the server without
 * waiting for a request. A connection still in use past its maximum age retires with its next response
 * ({@code Connection: close}), so a request on its way as the age runs out is answered, not lost.
 */
class IdleAndMaxAgeTimersRetireConnectionsTest {

    @ParameterizedTest
    @EnumSource(TestServer.Kind.class)
    void idleConnectionIsRetiredAfterTheIdleTimeout(TestServer.Kind kind) throws Exception {
        assumeThat(kind.available()).isTrue();
        ClosePolicy policy = ClosePolicy.builder(Preset.KEEP_ALIVE).idleTimeout(Duration.ofSeconds(1)).build();
        CloseEvent e = keptConnectionEnds(kind, policy);
        assertThat(e.retireReason()).as("%s", e).isEqualTo(RetireReason.IDLE_TIMEOUT);
        assertThat(e.whoClosed()).isEqualTo(WhoClosed.TIMEOUT);
        assertThat(e.lifetime()).isGreaterThanOrEqualTo(Duration.ofSeconds(1));
    }

    @ParameterizedTest
    @EnumSource(TestServer.Kind.class)
    void oldConnectionIsRetiredAtItsMaximumAge(TestServer.Kind kind) throws Exception {
        assumeThat(kind.available()).isTrue();
        // The first response must come before the maximum age (a cold JVM on a loaded machine takes a while), and
        // the maximum age must come before the idle timeout, so that the quiet connection ends by its age.
        ClosePolicy policy = ClosePolicy.builder(Preset.KEEP_ALIVE).idleTimeout(Duration.ofSeconds(2))
                .maxAge(Duration.ofMillis(1500)).jitter(0).build();
        CloseEvent e = keptConnectionEnds(kind, policy);
        assertThat(e.retireReason()).as("%s", e).isEqualTo(RetireReason.MAX_AGE);
        assertThat(e.lifetime()).isGreaterThanOrEqualTo(Duration.ofSeconds(2));
    }

    @ParameterizedTest
    @EnumSource(TestServer.Kind.class)
    void connectionInUsePastItsMaximumAgeRetiresWithItsNextResponse(TestServer.Kind kind) throws Exception {
        assumeThat(kind.available()).isTrue();
        ClosePolicy policy = ClosePolicy.builder(Preset.KEEP_ALIVE).idleTimeout(Duration.ofSeconds(30))
                .maxAge(Duration.ofMillis(500)).jitter(0).build();
        try (TestServer server = TestServer.aggregating(kind, policy, p -> p.addLast(new Apps.Fixed(Apps.SMALL)));
             Socket s = new Socket()) {
            s.connect(server.address(), 5_000);
            s.setSoTimeout(10_000);
            int answered = 0;
            boolean closeAnnounced = false;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            // A client that keeps using the connection (a request every 100 ms) well past its maximum age.
            while (!closeAnnounced && System.nanoTime() - deadline < 0) {
                s.getOutputStream().write(("GET /" + answered + " HTTP/1.1\r\nHost: t\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
                String head = readResponse(s.getInputStream());
                assertThat(head).as("response %d", answered).startsWith("HTTP/1.1 200");
                answered++;
                closeAnnounced = head.toLowerCase(Locale.ROOT).contains("connection: close");
                if (!closeAnnounced) {
                    Thread.sleep(100); // the client's pace, not a wait for the server
                }
            }
            assertThat(closeAnnounced).as("a response announced the close").isTrue();
            assertThat(answered).as("requests after the maximum age were answered").isGreaterThan(1);
            s.close();
            CloseEvent e = server.events.awaitOne(Duration.ofSeconds(10));
            assertThat(e.retireReason()).as("%s", e).isEqualTo(RetireReason.MAX_AGE);
            assertThat(e.whoClosed()).as("%s", e).isEqualTo(WhoClosed.REMOTE_FIN);
            assertThat(e.requestsServed()).isEqualTo(answered);
        }
    }

    /** Reads one response with a Content-Length body; returns its head. */
    private static String readResponse(InputStream in) throws IOException {
        StringBuilder head = new StringBuilder();
        while (!head.toString().endsWith("\r\n\r\n")) {
            int b = in.read();
            assertThat(b).as("EOF in the response head after %s", head).isNotNegative();
            head.append((char) b);
        }
        Matcher m = Pattern.compile("(?i)content-length:\\s*(\\d+)").matcher(head);
        assertThat(m.find()).as("Content-Length in %s", head).isTrue();
        in.readNBytes(Integer.parseInt(m.group(1)));
        return head.toString();
    }

    private static CloseEvent keptConnectionEnds(TestServer.Kind kind, ClosePolicy policy) throws Exception {
        try (TestServer server = TestServer.aggregating(kind, policy, p -> p.addLast(new Apps.Fixed(Apps.SMALL)))) {
            RawHttpClient.Exchange x = RawHttpClient.builder(server.address())
                    .closeStyle(RawHttpClient.CloseStyle.NEVER_CLOSE)
                    .holdTimeout(Duration.ofSeconds(20))
                    .build()
                    .start();
            HttpResult first = x.response().get(10, java.util.concurrent.TimeUnit.SECONDS);
            assertThat(first.ok()).isTrue();
            assertThat(first.headers().first("Connection")).isEmpty();
            CloseEvent e = server.events.awaitOne(Duration.ofSeconds(10));
            HttpResult whole = x.await(Duration.ofSeconds(10));
            assertThat(whole.serverClosed() || whole.resetSeen()).as("%s", whole).isTrue();
            return e;
        }
    }
}
