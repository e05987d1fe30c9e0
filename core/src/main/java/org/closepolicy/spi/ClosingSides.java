package org.closepolicy.spi;

import java.time.Duration;
import org.closepolicy.CloseEvent;
import org.closepolicy.CloseMode;
import org.closepolicy.ConnectionView;
import org.closepolicy.FallbackReason;
import org.closepolicy.Retire;
import org.closepolicy.RetireReason;
import org.closepolicy.WhoClosed;

/**
 * What each side of one connection has done on the wire while it closes (the peer's FIN, the server's shut-down
 * output), who was therefore first on the wire, and the {@link CloseEvent} that reports the close. The part of
 * {@link CloseStateMachine} that records and reports; the machine decides.
 *
 * <p>Thread-safety: not thread-safe; owned by one {@link CloseStateMachine}.
 */
final class ClosingSides {

    private boolean peerFin;
    private boolean outputShut;

    boolean peerFin() {
        return peerFin;
    }

    void peerFinArrived() {
        peerFin = true;
    }

    boolean outputShut() {
        return outputShut;
    }

    void outputShutDown() {
        outputShut = true;
    }

    /** The mode a close the server did not choose ends with: lingering once the output was shut down, else none. */
    CloseMode modeUsedSoFar() {
        return outputShut ? CloseMode.LINGER : null;
    }

    /**
     * Who was first on the wire when the server now ends its side with {@code kind} (a FIN or an RST):
     * the server, unless its output is still open and the peer's FIN already came. A server-side
     * close of an idle connection reports {@link WhoClosed#TIMEOUT}.
     */
    WhoClosed serverCloses(Retire decision, WhoClosed kind) {
        if (!outputShut && peerFin) {
            return WhoClosed.REMOTE_FIN;
        }
        WhoClosed w = outputShut ? WhoClosed.LOCAL_FIN : kind;
        return idleRetired(decision) ? WhoClosed.TIMEOUT : w;
    }

    /** Who was first on the wire when the peer or the transport ends the connection. */
    WhoClosed firstOnTheWire(Retire decision) {
        if (outputShut) {
            return idleRetired(decision) ? WhoClosed.TIMEOUT : WhoClosed.LOCAL_FIN;
        }
        return peerFin ? WhoClosed.REMOTE_FIN : WhoClosed.REMOTE_RST;
    }

    private static boolean idleRetired(Retire decision) {
        return decision != null && decision.reason() == RetireReason.IDLE_TIMEOUT;
    }

    /** Teaches the adapter's peer memory how an HTTP/1.0 peer ended a wait for its FIN. */
    static void teachPeer(ConnectionView view, Retire decision, boolean closedFirst) {
        if (decision.learnsPeer() && view instanceof ConnectionRecord record) {
            record.learnedPeer(closedFirst, decision.probesPeer());
        }
    }

    /** The event of a close at {@code now}; {@code d} is null when the connection closed while OPEN. */
    static CloseEvent event(ConnectionView view, Retire d, long retiredAt, WhoClosed who, CloseMode used,
            FallbackReason fb, long now) {
        return new CloseEvent(view.id(), view.remoteAddress(), view.localAddress(), view.protocol(), who,
                d == null ? null : d.closer(), d == null ? null : d.mode(), used, fb == null ? FallbackReason.NONE : fb,
                d == null ? (fb == FallbackReason.APPLICATION_ABORT ? RetireReason.APPLICATION : null) : d.reason(),
                view.requestsServed(), view.bytesIn(), view.bytesOut(),
                Duration.ofNanos(Math.max(0, now - view.openedAtNanos())),
                d == null ? Duration.ZERO : Duration.ofNanos(Math.max(0, now - retiredAt)));
    }
}
