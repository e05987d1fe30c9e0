package org.closepolicy.jetty;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.OutputStream;
import java.time.Duration;
import org.closepolicy.ClosePolicies;
import org.closepolicy.CloseMode;
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
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * HTTPS clients that half-close after their request (TLS 1.3: {@code close_notify}, then the FIN) get every byte of
 * the response (SHA-256), under every preset:
 * <ul>
 *   <li>at once after a small request: the TLS layer reads ahead, so the FIN and {@code close_notify} can be read
 *       before Jetty has even parsed the request they follow; that request is still answered (before: a few in 100
 *       closed unanswered under every policy, never by bare Jetty);</li>
 *   <li>50 ms after the request, reading a 1 MB response 250 ms later: the {@code close_notify} waits while most
 *       of the response is still unsent. A server FIN close over it would make the kernel reset the connection and
 *       drop the rest (before: 8 of 8 bodies cut short under {@code server-fin}); the close lingers instead.</li>
 * </ul>
 */
class TlsHalfClosingClientGetsTheWholeResponseTest {

    private static final int SMALL = 3_000;
    private static final int LARGE = 1_000_000;
    private static final int CLIENTS = 8;

    @ParameterizedTest(name = "{0}")
    @EnumSource(value = Preset.class, names = {"SERVER_FIN", "CLIENT_FIRST", "SAFE_RESET", "KEEP_ALIVE"})
    void aRequestFollowedAtOnceByItsCloseIsAnswered(Preset preset) throws Exception {
        try (TestServer server = tlsServer(preset, SMALL)) {
            RawHttpClient client = halfClosing(server).build();
            for (int round = 0; round < 3; round++) { // the race took a few connections in 100: 24 of them
                HalfClosingClients.fetchWhole(client, CLIENTS, SMALL);
            }
            await().atMost(Duration.ofSeconds(30)).until(() -> server.events().size() == 3 * CLIENTS);
        }
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(value = Preset.class, names = {"SERVER_FIN", "CLIENT_FIRST", "SAFE_RESET", "KEEP_ALIVE"})
    void aLargeResponseToAClientThatClosedFirstArrivesWhole(Preset preset) throws Exception {
        try (TestServer server = tlsServer(preset, LARGE)) {
            RawHttpClient client = halfClosing(server).halfCloseDelay(Duration.ofMillis(50)).firstReadDelay(Duration.ofMillis(250)).build();
            HalfClosingClients.fetchWhole(client, CLIENTS, LARGE);
            await().atMost(Duration.ofSeconds(30)).until(() -> server.events().size() == CLIENTS);
            if (preset == Preset.SERVER_FIN) {
                assertThat(server.events()).as("a server FIN over the client's close_notify lingers")
                        .anyMatch(e -> e.usedMode() == CloseMode.LINGER);
            }
        }
    }

    private static TestServer tlsServer(Preset preset, int size) throws Exception {
        return TestServer.start(ClosePolicies.of(preset), streamed(DeterministicBytes.generate(size)), b -> b.tls(SelfSignedTls.get().server()));
    }

    private static RawHttpClient.Builder halfClosing(TestServer server) throws Exception {
        return HalfClosingClients.builder(server.address()).tls(SelfSignedTls.get().client().getSocketFactory());
    }

    /** The body with its length through Jetty's blocking output stream. */
    private static Handler streamed(byte[] body) {
        return new Handler.Abstract() {
            @Override
            public boolean handle(Request request, Response response, Callback callback) throws Exception {
                response.getHeaders().put(HttpHeader.CONTENT_LENGTH, body.length);
                try (OutputStream out = Content.Sink.asOutputStream(response)) {
                    out.write(body);
                }
                callback.succeeded();
                return true;
            }
        };
    }
}
