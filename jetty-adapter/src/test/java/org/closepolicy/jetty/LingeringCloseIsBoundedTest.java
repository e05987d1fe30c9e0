package org.closepolicy.jetty;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.closepolicy.CloseEvent;
import org.closepolicy.CloseMode;
import org.closepolicy.ClosePolicy;
import org.closepolicy.Preset;
import org.closepolicy.WhoClosed;
import org.closepolicy.testkit.HttpResult;
import org.closepolicy.testkit.RawHttpClient;
import org.junit.jupiter.api.Test;

/**
 * A lingering close (nginx's {@code lingering_close}) half-closes, then reads and discards the
 * client's input, but never forever: it ends when the client is silent for {@code linger-timeout},
 * after {@code linger-time} in total, or once more than {@code linger-bytes} were discarded.
 */
class LingeringCloseIsBoundedTest {

    @Test
    void silentClientIsClosedAfterTheLingerTimeout() throws Exception {
        Duration lingerTimeout = Duration.ofMillis(300);
        ClosePolicy policy = ClosePolicy.builder(Preset.LINGERING).lingerTimeout(lingerTimeout).lingerTime(Duration.ofSeconds(20)).build();
        try (TestServer server = TestServer.start(policy, ExampleHandlers.routes());
             Socket s = new Socket("127.0.0.1", server.port())) {
            // Reads its response, then neither sends, nor reads, nor closes.
            s.setSoTimeout(10_000);
            s.getOutputStream().write("GET /weather HTTP/1.1\r\nHost: localhost\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
            assertThat(new String(s.getInputStream().readNBytes(12), StandardCharsets.ISO_8859_1)).isEqualTo("HTTP/1.1 200");

            await().atMost(Duration.ofSeconds(15)).until(() -> server.events().size() == 1);
            CloseEvent e = server.events().get(0);
            assertThat(e.whoClosed()).as(e.toString()).isEqualTo(WhoClosed.LOCAL_FIN);
            assertThat(e.usedMode()).isEqualTo(CloseMode.LINGER);
            assertThat(e.closeDuration()).isGreaterThanOrEqualTo(lingerTimeout).isLessThan(Duration.ofSeconds(20));
        }
    }

    @Test
    void clientThatKeepsSendingIsClosedAfterTheLingerBytes() throws Exception {
        // The client keeps sending a 2 MB body the server never reads; silence never comes, and the
        // time bounds are far away: only the byte bound can end the lingering.
        ClosePolicy policy = ClosePolicy.builder(Preset.LINGERING).lingerBytes(64 * 1024)
                .lingerTimeout(Duration.ofSeconds(20)).lingerTime(Duration.ofSeconds(60)).build();
        try (TestServer server = TestServer.start(policy, ExampleHandlers.routes())) {
            HttpResult r = RawHttpClient.builder(server.address()).method("POST").path("/upload").deterministicBody(2L * 1024 * 1024)
                    .bodyFromSeparateThread(true).deadline(Duration.ofSeconds(30)).build().send();

            assertThat(r.status()).as(r.toString()).isEqualTo(413);
            await().atMost(Duration.ofSeconds(15)).until(() -> server.events().size() == 1);
            CloseEvent e = server.events().get(0);
            assertThat(e.usedMode()).as(e.toString()).isEqualTo(CloseMode.LINGER);
            assertThat(e.closeDuration()).isLessThan(Duration.ofSeconds(20));
        }
    }
}
