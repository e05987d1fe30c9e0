package org.closepolicy.jetty;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.OutputStream;
import java.time.Duration;
import org.closepolicy.ClosePolicies;
import org.closepolicy.Preset;
import org.closepolicy.testkit.DeterministicBytes;
import org.closepolicy.testkit.HalfClosingClients;
import org.closepolicy.testkit.RawHttpClient;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.junit.jupiter.api.Test;

/**
 * A client that half-closes right after its request ({@code shutdown(SHUT_WR)}, as {@code nc -N} does) and reads
 * a 1 MB response only later sends its FIN before it read anything: under {@code safe-reset} the RST must wait
 * until every byte is acknowledged (Jetty's sockets cannot tell by themselves, so the ack check decides). Every
 * body arrives whole (SHA-256); eight clients at once, so that a FIN answered too early would be seen.
 */
class HalfClosingClientGetsTheWholeResponseTest {

    private static final int SIZE = 1_000_000;
    private static final byte[] BODY = DeterministicBytes.generate(SIZE);
    private static final int CLIENTS = 8;
    private static final int WARM_UP = 20;

    /** The body with its length through Jetty's blocking output stream, as a servlet-style handler writes it. */
    private static Handler streamed() {
        return new Handler.Abstract() {
            @Override
            public boolean handle(Request request, Response response, Callback callback) throws Exception {
                response.getHeaders().put(HttpHeader.CONTENT_LENGTH, SIZE);
                try (OutputStream out = Content.Sink.asOutputStream(response)) {
                    out.write(BODY);
                }
                callback.succeeded();
                return true;
            }
        };
    }

    @Test
    void everyBodyArrivesWholeUnderSafeReset() throws Exception {
        try (TestServer server = TestServer.start(ClosePolicies.of(Preset.SAFE_RESET), streamed())) {
            // Warm up first: a cold server may take longer to write the response than the client takes to half-close.
            RawHttpClient curl = RawHttpClient.builder(server.address()).build();
            for (int i = 0; i < WARM_UP; i++) {
                assertThat(curl.send().bodyLength()).isEqualTo(SIZE);
            }
            await().atMost(Duration.ofSeconds(30)).until(() -> server.events().size() >= WARM_UP);
            RawHttpClient client = HalfClosingClients.builder(server.address())
                    .halfCloseDelay(Duration.ofMillis(50)).firstReadDelay(Duration.ofMillis(250)).build();
            HalfClosingClients.fetchWhole(client, CLIENTS, SIZE);
            await().atMost(Duration.ofSeconds(30)).until(() -> server.events().size() >= WARM_UP + CLIENTS);
            HalfClosingClients.assertClosedWithoutLoss(server.events().subList(WARM_UP, WARM_UP + CLIENTS));
        }
    }
}
