package org.closepolicy.netty;

import static org.assertj.core.api.Assumptions.assumeThat;

import java.time.Duration;
import org.closepolicy.ClosePolicies;
import org.closepolicy.Preset;
import org.closepolicy.testkit.HalfClosingClients;
import org.closepolicy.testkit.RawHttpClient;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A client that half-closes right after its request ({@code shutdown(SHUT_WR)}, as {@code nc -N} does) and reads
 * a 1 MB response only later sends its FIN before it read anything. Under {@code safe-reset} that FIN arrives
 * after the response was handed to the kernel, most of it still unsent behind the client's closed window: an RST
 * in reply would throw that away. Every body must arrive whole (SHA-256), and the RST, when it comes, only after
 * every byte was acknowledged. Eight clients at once, so that a FIN answered too early would be seen.
 */
class HalfClosingClientGetsTheWholeResponseTest {

    private static final int SIZE = 1_000_000;
    private static final int CLIENTS = 8;

    @ParameterizedTest(name = "{0}")
    @EnumSource(TestServer.Kind.class)
    void everyBodyArrivesWholeUnderSafeReset(TestServer.Kind kind) throws Exception {
        assumeThat(kind.available()).isTrue();
        try (TestServer server = TestServer.aggregating(kind, ClosePolicies.of(Preset.SAFE_RESET), p -> p.addLast(new Apps.Fixed(SIZE)))) {
            RawHttpClient client = HalfClosingClients.builder(server.address()).firstReadDelay(Duration.ofMillis(200)).build();
            HalfClosingClients.fetchWhole(client, CLIENTS, SIZE);
            HalfClosingClients.assertClosedWithoutLoss(server.events.awaitAtLeast(CLIENTS, Duration.ofSeconds(30)));
        }
    }
}
