package org.closepolicy.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.closepolicy.CloseEvent;
import org.closepolicy.CloseMode;
import org.closepolicy.FallbackReason;
import org.closepolicy.WhoClosed;

/**
 * Who closed and how, per preset, for connections whose clients read a whole response: what the close events and the
 * TIME_WAIT counts of one server must show once its clients are done. Shared by the link scenarios.
 * <pre>{@code
 * ExpectedCloses.safeReset(server.events().all(), 1, tw.serverSide(), report.timeWait(server.port()));
 * }</pre>
 */
final class ExpectedCloses {

    private ExpectedCloses() {
    }

    /** {@code server-fin}: the server closes first with a FIN, and holds a TIME_WAIT for each connection. */
    static void serverFin(List<CloseEvent> events, long serverTimeWait, List<String> rows) {
        all(events, WhoClosed.LOCAL_FIN, CloseMode.FIN, "server-fin");
        // The server's FIN leaves before the client can have read the body and closed (where both FINs cross on the
        // way, the client holds one too).
        assertThat(serverTimeWait).as("server TIME_WAIT under server-fin (rows now: %s; closes: %s)", rows, events)
                .isEqualTo(events.size());
    }

    /** {@code lingering}: the server half-closes first and drains until the client's FIN. */
    static void lingering(List<CloseEvent> events) {
        all(events, WhoClosed.LOCAL_FIN, CloseMode.LINGER, "lingering");
    }

    /**
     * {@code client-first} (and a {@code keep-alive} connection the client ends): a passive close on the client's FIN,
     * so no TIME_WAIT on the server.
     */
    static void clientFirst(List<CloseEvent> events, long serverTimeWait, String preset) {
        all(events, WhoClosed.REMOTE_FIN, CloseMode.FIN, preset);
        assertThat(serverTimeWait).as("server TIME_WAIT under %s", preset).isZero();
    }

    /**
     * {@code safe-reset}: an RST in reply to each curl-like client's FIN, and for each of the {@code neverClosing}
     * clients the ack-checked RST once the client wait expired; no TIME_WAIT on either side.
     */
    static void safeReset(List<CloseEvent> events, int neverClosing, long serverTimeWait, long clientTimeWait) {
        assertThat(events).as("safe-reset closes").allSatisfy(e -> {
            assertThat(e.usedMode()).as("%s", e).isEqualTo(CloseMode.RST);
            if (e.whoClosed() != WhoClosed.REMOTE_FIN) {
                assertThat(e.whoClosed()).as("%s", e).isEqualTo(WhoClosed.LOCAL_RST);
                assertThat(e.fallbackReason()).as("%s", e).isEqualTo(FallbackReason.CLIENT_WAIT_EXPIRED);
            }
        });
        assertThat(events.stream().filter(e -> e.whoClosed() == WhoClosed.LOCAL_RST))
                .as("ack-checked RSTs for the clients that never close").hasSize(neverClosing);
        assertThat(serverTimeWait).as("server TIME_WAIT under safe-reset").isZero();
        assertThat(clientTimeWait).as("client TIME_WAIT under safe-reset").isZero();
    }

    private static void all(List<CloseEvent> events, WhoClosed who, CloseMode mode, String preset) {
        assertThat(events).as("%s closes", preset).isNotEmpty().allSatisfy(e -> {
            assertThat(e.whoClosed()).as("%s", e).isEqualTo(who);
            assertThat(e.usedMode()).as("%s", e).isEqualTo(mode);
        });
    }
}
