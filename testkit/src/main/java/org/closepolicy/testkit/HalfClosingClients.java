package org.closepolicy.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Collection;
import org.closepolicy.CloseEvent;
import org.closepolicy.CloseMode;
import org.closepolicy.FallbackReason;
import org.closepolicy.WhoClosed;

/**
 * Clients that half-close after their request ({@link RawHttpClient.CloseStyle#HALF_CLOSE_AFTER_REQUEST}) and read
 * later, against {@code safe-reset}: their FIN proves nothing about what they read, so every body must arrive whole
 * and the server may answer that FIN with an RST only once every byte was proven acknowledged.
 * <pre>{@code
 * RawHttpClient client = HalfClosingClients.builder(address).firstReadDelay(Duration.ofMillis(200)).build();
 * HalfClosingClients.fetchWhole(client, 8, 1_000_000);
 * HalfClosingClients.assertClosedWithoutLoss(events);
 * }</pre>
 *
 * <p>Thread-safety: stateless.
 */
public final class HalfClosingClients {

    private HalfClosingClients() {
    }

    /** A client that half-closes after its request, with a 30 s deadline; add delays and TLS as the case needs. */
    public static RawHttpClient.Builder builder(InetSocketAddress target) {
        return RawHttpClient.builder(target).closeStyle(RawHttpClient.CloseStyle.HALF_CLOSE_AFTER_REQUEST).deadline(Duration.ofSeconds(30));
    }

    /**
     * Runs {@code clients} connections of {@code client} all at once; fails naming the load unless every response is
     * 200 with {@code size} deterministic bytes (length and SHA-256).
     */
    public static LoadResult fetchWhole(RawHttpClient client, int clients, long size) {
        LoadResult load = LoadRunner.builder(client)
                .requests(clients)
                .concurrency(clients)
                .deadline(Duration.ofSeconds(60))
                .expectStatus(200)
                .expectSha256(DeterministicBytes.sha256Hex(size))
                .verify(r -> r.bodyLength() == size)
                .build()
                .run();
        assertThat(load.errors()).as("%s", load).isZero();
        assertThat(load.ok()).as("%s", load).isEqualTo(clients);
        return load;
    }

    /**
     * Each connection was ended by the client's FIN first, with an RST (proven) or a passive FIN whose reason says
     * why the RST was not proven, and the server kept no TIME_WAIT.
     */
    public static void assertClosedWithoutLoss(Collection<CloseEvent> events) {
        for (CloseEvent e : events) {
            assertThat(e.whoClosed()).as("%s", e).isEqualTo(WhoClosed.REMOTE_FIN);
            if (e.usedMode() == CloseMode.FIN) {
                // Not proven acknowledged at the FIN (or the FIN came before the flush): a passive close.
                assertThat(e.fallbackReason()).as("%s", e).isIn(FallbackReason.UNACKED_AT_PEER_FIN,
                        FallbackReason.PEER_FIN_BEFORE_FLUSH, FallbackReason.ACK_WAIT_EXPIRED);
            } else {
                assertThat(e.usedMode()).as("%s", e).isEqualTo(CloseMode.RST);
            }
            assertThat(e.serverHoldsTimeWait()).as("%s", e).isFalse();
        }
    }
}
