package org.closepolicy.netty;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import java.time.Duration;
import org.closepolicy.ClosePolicies;
import org.closepolicy.CloseEvent;
import org.closepolicy.CloseMode;
import org.closepolicy.Preset;
import org.closepolicy.testkit.HalfClosingClients;
import org.closepolicy.testkit.RawHttpClient;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * HTTPS clients that half-close 50 ms after their request (TLS 1.3: {@code close_notify}, then the FIN) and read a
 * 1 MB response 250 ms later get every byte (SHA-256) under every preset. Their {@code close_notify} arrives while
 * most of the response is unsent: a server FIN close over it made the kernel reset the connection and drop the
 * rest (before: 3 to 5 of 8 bodies cut short under {@code server-fin}); the close lingers instead.
 */
class TlsHalfClosingClientGetsTheWholeResponseTest {

    private static final int SIZE = 1_000_000;
    private static final int CLIENTS = 8;

    @ParameterizedTest(name = "{0}")
    @EnumSource(value = Preset.class, names = {"SERVER_FIN", "CLIENT_FIRST", "SAFE_RESET", "KEEP_ALIVE"})
    void aLargeResponseToAClientThatClosedFirstArrivesWhole(Preset preset) throws Exception {
        TestServer.Kind kind = preset.ordinal() % 2 == 0 ? TestServer.Kind.NIO : TestServer.Kind.EPOLL; // both, in turn
        assumeThat(kind.available()).isTrue();
        try (TestServer server = TestServer.tls(kind, ClosePolicies.of(preset), p -> p.addLast(new Apps.Fixed(SIZE)))) {
            RawHttpClient client = HalfClosingClients.builder(server.address()).tls(SelfSignedTls.get().client().getSocketFactory())
                    .halfCloseDelay(Duration.ofMillis(50)).firstReadDelay(Duration.ofMillis(250)).build();
            HalfClosingClients.fetchWhole(client, CLIENTS, SIZE);
            var events = server.events.awaitAtLeast(CLIENTS, Duration.ofSeconds(30));
            if (preset == Preset.SERVER_FIN) {
                assertThat(events).as("a server FIN over the client's close_notify lingers").extracting(CloseEvent::usedMode)
                        .contains(CloseMode.LINGER);
            }
        }
    }
}
