package org.closepolicy.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Collections;
import java.util.List;
import org.closepolicy.CloseEvent;
import org.closepolicy.CloseMode;
import org.closepolicy.FallbackReason;
import org.closepolicy.WhoClosed;

/**
 * The HTTP/1.0 peers of the peer-learning tests, the same on every adapter: an {@code ab}-like client that waits
 * for the server's FIN, with or without {@code Connection: keep-alive}, and what every adapter must do for it.
 * <pre>{@code
 * Http10Peers.fetchUntilServerFin(RawHttpClient.builder(server.address()).version(RawHttpClient.Version.HTTP_1_0)
 *         .closeStyle(RawHttpClient.CloseStyle.EOF_WAITING).build(), 50);
 * Http10Peers.assertServerClosedWithAtMostOneProbe(events);
 * }</pre>
 *
 * <p>Thread-safety: stateless; safe from any thread.
 */
public final class Http10Peers {

    private Http10Peers() {
    }

    /** {@code n} exchanges of an EOF-waiting client, each whole, each ended by the server's FIN, none reset. */
    public static void fetchUntilServerFin(RawHttpClient ab, int n) {
        for (int i = 0; i < n; i++) {
            HttpResult r = ab.send();
            assertThat(r.ok()).as("%s", r).isTrue();
            assertThat(r.serverClosed()).as("the server's FIN ends the exchange: %s", r).isTrue();
            assertThat(r.resetSeen()).as("%s", r).isFalse();
        }
    }

    /**
     * The server closed every connection with a FIN, never an RST, and waited for the client at most once (one
     * probe for the one address).
     */
    public static void assertServerClosedWithAtMostOneProbe(List<CloseEvent> events) {
        assertThat(events).allSatisfy(e -> {
            assertThat(e.whoClosed()).as("%s", e).isEqualTo(WhoClosed.LOCAL_FIN);
            assertThat(e.usedMode()).as("%s", e).isNotEqualTo(CloseMode.RST);
        });
        long waited = events.stream().filter(e -> e.fallbackReason() == FallbackReason.CLIENT_WAIT_EXPIRED).count();
        assertThat(waited).as("the stall is one probe for the one address").isLessThanOrEqualTo(1);
    }

    /**
     * {@code connections} keep-alive connections of an EOF-waiting HTTP/1.0 client, {@code perConnection} requests
     * of {@code path} each: every response whole and not reset, the last one with {@code Connection: close} and
     * ended by the server's FIN.
     */
    public static void fetchKeepAliveUntilRetired(RawHttpClient abK, int connections, int perConnection, String path) {
        for (int c = 0; c < connections; c++) {
            List<HttpResult> rs = abK.sequence(Collections.nCopies(perConnection, path));
            for (HttpResult r : rs) {
                assertThat(r.ok()).as("%s", r).isTrue();
                assertThat(r.resetSeen()).as("%s", r).isFalse();
                assertThat(r.error()).as("%s", r).isNull();
            }
            HttpResult last = rs.get(rs.size() - 1);
            assertThat(last.headers().hasToken("Connection", "close")).as("%s", last).isTrue();
            assertThat(last.serverClosed()).as("%s", last).isTrue();
        }
    }

    /** No connection was reset, each served {@code perConnection} requests, and one probe waited for the client. */
    public static void assertRetiredWithoutResetAfterOneProbe(List<CloseEvent> events, int perConnection) {
        assertThat(events).allSatisfy(e -> {
            assertThat(e.usedMode()).as("%s", e).isNotEqualTo(CloseMode.RST);
            assertThat(e.requestsServed()).isEqualTo(perConnection);
        });
        assertThat(events.stream().filter(e -> e.fallbackReason() == FallbackReason.CLIENT_WAIT_EXPIRED).count()).isEqualTo(1);
    }
}
