package org.closepolicy.spi;

import java.util.Objects;
import org.closepolicy.CloseEvent;
import org.closepolicy.CloseListener;
import org.closepolicy.CloseMode;
import org.closepolicy.Closer;
import org.closepolicy.ConnectionView;
import org.closepolicy.FallbackReason;
import org.closepolicy.Retire;
import org.closepolicy.Ticker;
import org.closepolicy.WhoClosed;
import org.closepolicy.kernel.AckResult;

/**
 * Carries out one connection's close, transport-agnostic and driven by events:
 * <pre>
 * OPEN ──retire──▶ DRAINING_RESPONSE ──flushed──▶ AWAIT_PEER_FIN (client-first)  ──peer FIN──▶ CLOSED (FIN, or RST when proven acked) / AWAIT_ACK
 *                                              │                                 └─client wait──▶ ack check (see below) ──▶ fallback
 *                                              ├▶ LINGERING (server-first linger) ──peer FIN / time / bytes──▶ CLOSED
 *                                              ├▶ AWAIT_ACK (RST)                 ──all acked──▶ CLOSED (RST) / ack wait──▶ CLOSED (FIN) / peer input, read or unread──▶ LINGERING
 *                                              └▶ CLOSED (server FIN)
 * </pre>
 * <p><b>The client wait counts from the acknowledgement</b>, not from the flush: when it runs out before the
 * flush bound, AWAIT_PEER_FIN checks the acknowledgement first (its steps, and why, are {@code ClientWait}'s).
 *
 * <p>Every state after OPEN has a deadline, so a connection always reaches CLOSED within
 * {@link Retire#maxCloseTime()} of its retirement (the ack check ends by the flush bound, the second client
 * wait by the flush bound plus one). The machine closes the transport at most once, and with {@code
 * resetAfterAck} never resets it while bytes may be unacknowledged or unread: an RST happens only once every
 * byte is proven acknowledged, by the socket itself ({@link Transport#unacknowledged()} is 0) at the peer's FIN
 * after the flush, or by {@link #onAcked()}.
 * <pre>{@code
 * CloseStateMachine m = new CloseStateMachine(transport, record, ticker, listener);
 * m.retire(decision, false);   // last response still being written
 * m.onResponseFlushed();       // from the write's listener
 * m.onPeerFin();               // from the read side's EOF
 * }</pre>
 *
 * <p>Thread-safety: not thread-safe; adapters call it on the connection's thread (or under a lock).
 * Methods are re-entrant safe: the transport may call back into the machine synchronously.
 */
public final class CloseStateMachine {

    /** The states of a connection's close. */
    public enum State {
        /** Serving requests. */
        OPEN,
        /** Retired; the last response is still being written. */
        DRAINING_RESPONSE,
        /** Waiting for the client's FIN (client-first), for the client wait (see the class comment). */
        AWAIT_PEER_FIN,
        /** Output shut down; discarding input until the peer's FIN or a bound. */
        LINGERING,
        /** Waiting until every byte is acknowledged before an RST. */
        AWAIT_ACK,
        /** Done. */
        CLOSED
    }

    private final Transport transport;
    private final ConnectionView view;
    private final Ticker ticker;
    private final CloseListener listener;

    private State state = State.OPEN;
    private Retire decision;
    private long retiredAt;
    private long deadline = Long.MAX_VALUE;
    private long lingerEnd;
    private long discarded;
    private final ClosingSides sides = new ClosingSides();
    private ClientWait clientWait = ClientWait.RUNNING;
    /** An acknowledgement check of this machine found every byte acknowledged (nothing is written after the flush). */
    private boolean acked;
    private FallbackReason fallback = FallbackReason.NONE;
    private CloseEvent event;

    /** A machine for one connection in state OPEN. */
    public CloseStateMachine(Transport transport, ConnectionView view, Ticker ticker, CloseListener listener) {
        this.transport = Objects.requireNonNull(transport, "transport");
        this.view = Objects.requireNonNull(view, "view");
        this.ticker = Objects.requireNonNull(ticker, "ticker");
        this.listener = listener == null ? CloseListener.NONE : listener;
    }

    /** The transport it closes (an adapter's connection keeps no reference of its own). */
    public Transport transport() {
        return transport;
    }

    /** The current state. */
    public State state() {
        return state;
    }

    /** Whether the machine reached CLOSED. */
    public boolean isClosed() {
        return state == State.CLOSED;
    }

    /** Whether the connection was retired (any state after OPEN). */
    public boolean isRetired() {
        return state != State.OPEN;
    }

    /** The retirement decision, or null while OPEN. */
    public Retire decision() {
        return decision;
    }

    /** The deadline of the current state in ticker nanoseconds ({@link Long#MAX_VALUE} in OPEN and CLOSED). */
    public long deadlineNanos() {
        return deadline;
    }

    /** The event emitted on CLOSED, or null before. */
    public CloseEvent event() {
        return event;
    }

    /** Where the client wait stands (meaningful in {@link State#AWAIT_PEER_FIN}). */
    ClientWait clientWait() {
        return clientWait;
    }

    /** Input discarded while closing. */
    public long discardedBytes() {
        return discarded;
    }

    /**
     * Retires the connection with decision {@code d}. Ignored unless OPEN (the first retirement wins). {@code flushed}:
     * whether the last response is already fully written (true for idle retirements).
     */
    public void retire(Retire d, boolean flushed) {
        Objects.requireNonNull(d, "decision");
        if (state != State.OPEN) {
            return;
        }
        decision = d;
        retiredAt = ticker.nanos();
        CloseListener.Safely.run(listener, () -> listener.onRetire(view, d));
        if (state != State.OPEN) {
            return; // a listener closed the connection
        }
        if (flushed) {
            afterFlush();
        } else {
            enter(State.DRAINING_RESPONSE, Durations.add(retiredAt, d.flushTimeout()));
        }
    }

    /** The last response was written completely. */
    public void onResponseFlushed() {
        if (state == State.DRAINING_RESPONSE) {
            afterFlush();
        }
    }

    private void afterFlush() {
        Retire d = decision;
        long now = ticker.nanos();
        if (sides.peerFin()) {
            // The peer half-closed before it could have read the response: a passive close, never an RST.
            finish(WhoClosed.REMOTE_FIN, CloseMode.FIN, d.mode() == CloseMode.RST ? FallbackReason.PEER_FIN_BEFORE_FLUSH : fallback,
                    Op.CLOSE);
            return;
        }
        if (d.closer() == Closer.CLIENT_FIRST) {
            enter(State.AWAIT_PEER_FIN, Durations.add(now, d.clientWait()));
            if (d.mode() != CloseMode.RST) {
                transport.closeAtPeerFin(); // the FIN is answered with a plain close: the transport may do it itself
            } else {
                transport.resetAtPeerFin(); // the transport may report the FIN as soon as it reads it
            }
            return;
        }
        closeBy(d.mode(), now);
    }

    /** The server ends its side in this mode; a FIN lingers where the peer's answer could reset it (TLS). */
    private void closeBy(CloseMode mode, long now) {
        if (mode == CloseMode.LINGER || mode == CloseMode.FIN && transport.peerAnswersClose() && transport.unacknowledged() != 0) {
            startLinger(now);
        } else if (mode == CloseMode.RST) {
            startReset(now);
        } else {
            finish(sides.serverCloses(decision, WhoClosed.LOCAL_FIN), CloseMode.FIN, fallback, Op.CLOSE);
        }
    }

    private void startLinger(long now) {
        linger(Durations.add(now, decision.lingerTime()), Durations.add(now, decision.lingerTimeout()));
    }

    /** Output shut down, input read and discarded until the peer's FIN, {@code end}, or the next quiet deadline. */
    private void linger(long end, long next) {
        lingerEnd = end;
        sides.outputShutDown();
        enter(State.LINGERING, Math.min(end, next));
        transport.shutdownOutput();
    }

    private void startReset(long now) {
        Retire d = decision;
        if (!d.resetAfterAck() || acked) {
            finish(sides.serverCloses(decision, WhoClosed.LOCAL_RST), CloseMode.RST, fallback, Op.RESET);
            return;
        }
        enter(State.AWAIT_ACK, Durations.add(now, d.ackWait()));
        transport.watchAcks(Durations.nanos(d.ackWait()));
    }

    /** Bytes arrived from the peer and were discarded (only reported after retirement). */
    public void onInput(long bytes) {
        if (bytes <= 0 || state == State.OPEN || state == State.CLOSED) {
            return;
        }
        discarded += bytes;
        boolean over = discarded > decision.lingerBytes();
        switch (state) {
            case AWAIT_PEER_FIN -> {
                if (over) {
                    runFallback(FallbackReason.INPUT_LIMIT_EXCEEDED);
                }
            }
            case AWAIT_ACK -> lingerForCrossingInput();
            case LINGERING -> {
                if (over) {
                    finish(sides.serverCloses(decision, WhoClosed.LOCAL_FIN), CloseMode.LINGER, fallback, Op.CLOSE);
                } else {
                    long now = ticker.nanos();
                    rearm(Math.min(lingerEnd, Durations.add(now, decision.lingerTimeout())), now);
                }
            }
            default -> { }
        }
    }

    /** The peer sent its FIN (EOF on read). In OPEN this closes at once (a passive close). */
    public void onPeerFin() {
        peerFinArrived(false);
    }

    /**
     * The transport closed by itself at the peer's FIN, as {@link Transport#closeAtPeerFin()} allowed: the
     * connection ends as {@link #onPeerFin()} would end it, without a close of the machine's own.
     */
    public void onPeerFinClosed() {
        peerFinArrived(true);
    }

    private void peerFinArrived(boolean closed) {
        if (state == State.CLOSED) {
            return;
        }
        if (!sides.peerFin()) {
            sides.peerFinArrived();
            closeAtPeerFin(closed);
        }
        if (closed) {
            onTransportClosed(); // nothing once a branch above finished: the transport is already gone
        }
    }

    private void closeAtPeerFin(boolean closed) {
        Op close = closed ? Op.NONE : Op.CLOSE;
        switch (state) {
            case OPEN -> finish(WhoClosed.REMOTE_FIN, CloseMode.FIN, FallbackReason.NONE, close);
            case AWAIT_PEER_FIN -> {
                ClosingSides.teachPeer(view, decision, true);
                if (decision.mode() == CloseMode.RST && !closed) {
                    resetAtPeerFin();
                } else {
                    finish(WhoClosed.REMOTE_FIN, CloseMode.FIN, fallback, close);
                }
            }
            case LINGERING -> finish(sides.serverCloses(decision, WhoClosed.LOCAL_FIN), CloseMode.LINGER, fallback, close);
            case AWAIT_ACK -> closeUnproven(close);
            default -> { } // DRAINING_RESPONSE: close after the flush, never with an RST (or at the transport's own close)
        }
    }

    /**
     * Rule 0: the FIN alone proves nothing (a client may half-close after its request and read later). The RST
     * needs the kernel's word at once, else rule 1's ack check (bounded by the ack wait, then a passive FIN).
     */
    private void resetAtPeerFin() {
        if (acked || !decision.resetAfterAck() || transport.unacknowledged() == 0) {
            finish(WhoClosed.REMOTE_FIN, CloseMode.RST, fallback, Op.RESET);
        } else {
            long now = ticker.nanos();
            enter(State.AWAIT_ACK, Durations.add(now, decision.ackWait()));
            transport.watchAcks(Durations.nanos(decision.ackWait())); // may call back at once: last
        }
    }

    /**
     * After the peer's FIN, an RST not (yet) proven safe: a passive FIN close, which keeps the bytes safe and the
     * server free of TIME_WAIT.
     */
    private void closeUnproven(Op op) {
        finish(WhoClosed.REMOTE_FIN, CloseMode.FIN, fallback == FallbackReason.NONE ? FallbackReason.UNACKED_AT_PEER_FIN : fallback, op);
    }

    /** The peer reset the connection (or the read side failed). */
    public void onPeerReset() {
        if (state == State.CLOSED) {
            return;
        }
        finish(sides.firstOnTheWire(decision), sides.modeUsedSoFar(), fallback, Op.CLOSE);
    }

    /**
     * The ack check found every byte acknowledged (and none unread). In AWAIT_ACK: the RST. During the ack check of
     * an expired client wait: the fallback at once when the first look found everything acknowledged, else the
     * client wait once more, counted from now. Ignored otherwise.
     */
    public void onAcked() {
        acknowledged(true);
    }

    private void acknowledged(boolean nothingUnread) { // nothingUnread: no peer bytes wait in the kernel either
        if (state == State.AWAIT_ACK) {
            if (nothingUnread) {
                finish(sides.serverCloses(decision, WhoClosed.LOCAL_RST), CloseMode.RST, fallback, Op.RESET);
            } else {
                lingerForCrossingInput();
            }
        } else if (checkingAcks()) {
            acked = nothingUnread; // unread bytes: a later RST fallback checks again
            if (clientWait == ClientWait.ONE_LOOK) {
                runFallback(FallbackReason.CLIENT_WAIT_EXPIRED);
            } else {
                clientWait = ClientWait.RESTARTED;
                long now = ticker.nanos();
                rearm(Durations.add(now, decision.clientWait()), now);
            }
        }
    }

    /**
     * A request crossed an unannounced close (read, or unread in the kernel): an RST would throw it away and its
     * client read a reset; lingering gives it an EOF before any response byte, which clients retry for idempotent
     * requests (the server keeps this TIME_WAIT). Only for what is left of the ack wait: within maxCloseTime.
     */
    private void lingerForCrossingInput() {
        if (sides.peerFin()) { // nothing can follow the peer's FIN: the check proved nothing
            closeUnproven(Op.CLOSE);
            return;
        }
        fallback = FallbackReason.PEER_SENT_DURING_ACK_WAIT;
        linger(deadline, deadline);
    }

    /**
     * The ack check failed (timed out or unsupported). In AWAIT_ACK: a FIN instead of an RST. During the ack check
     * of an expired client wait: a first look that timed out (bytes still queued) turns into a wait for the
     * acknowledgement until the flush bound; any other failure runs the fallback. Ignored otherwise.
     */
    public void onAckFailed(FallbackReason reason) {
        FallbackReason r = reason == null ? FallbackReason.ACK_WAIT_EXPIRED : reason;
        if (state == State.AWAIT_ACK) {
            // Keep the first reason: after a client wait ran out, that is why the planned close did not happen.
            finish(sides.serverCloses(decision, WhoClosed.LOCAL_FIN), CloseMode.FIN, fallback != FallbackReason.NONE ? fallback : r, Op.CLOSE);
        } else if (checkingAcks()) {
            boolean stillQueued = clientWait == ClientWait.ONE_LOOK && r == FallbackReason.ACK_WAIT_EXPIRED;
            if (!stillQueued || !checkAcks(ClientWait.WAITING_FOR_ACK, ticker.nanos())) {
                runFallback(FallbackReason.CLIENT_WAIT_EXPIRED);
            }
        }
    }

    /**
     * The outcome of an acknowledgement check, as the adapter's ack watch reported it. This is the one
     * place where a watch result becomes a close: only {@link AckResult#ACKED} proves every byte
     * acknowledged and none unread; {@link AckResult#PEER_DATA_WAITING} (the peer's bytes wait unread) is input
     * during the wait, a lingering close; a timeout means bytes were still queued; {@link AckResult#GONE}, an
     * unreadable table or a closed watcher prove nothing, so no RST follows.
     */
    public void onAckResult(AckResult result) {
        if (result == AckResult.ACKED || result == AckResult.PEER_DATA_WAITING) {
            acknowledged(result == AckResult.ACKED);
        } else if (result == AckResult.TIMEOUT) {
            onAckFailed(FallbackReason.ACK_WAIT_EXPIRED);
        } else {
            onAckFailed(FallbackReason.ACK_CHECK_UNSUPPORTED);
        }
    }

    private boolean checkingAcks() {
        return state == State.AWAIT_PEER_FIN && (clientWait == ClientWait.ONE_LOOK || clientWait == ClientWait.WAITING_FOR_ACK);
    }

    /** The client wait ran out: the acknowledgement check of {@link ClientWait}'s diagram, or the fallback. */
    private void clientWaitExpired(long now) {
        if (clientWait == ClientWait.RUNNING
                && checkAcks(transport.unacknowledged() > 0 ? ClientWait.WAITING_FOR_ACK : ClientWait.ONE_LOOK, now)) {
            return;
        }
        runFallback(FallbackReason.CLIENT_WAIT_EXPIRED);
    }

    /** Starts an ack check ending at the flush bound (one look, or a wait for the rest); false once it has passed. */
    private boolean checkAcks(ClientWait step, long now) {
        long bound = Durations.add(retiredAt, decision.flushTimeout());
        if (bound - now <= 0) {
            return false;
        }
        clientWait = step;
        rearm(bound, now);
        transport.watchAcks(step == ClientWait.ONE_LOOK ? 0 : bound - now); // may call back at once: last
        return true;
    }

    /** The machine's timer fired. Early or stale firings re-arm or are ignored. */
    public void onTimer() {
        if (state == State.OPEN || state == State.CLOSED) {
            return;
        }
        long now = ticker.nanos();
        if (now - deadline < 0) {
            transport.schedule(deadline - now);
            return;
        }
        switch (state) {
            case DRAINING_RESPONSE -> finish(sides.serverCloses(decision, WhoClosed.LOCAL_FIN), CloseMode.FIN,
                    FallbackReason.FLUSH_TIMEOUT, Op.CLOSE);
            case AWAIT_PEER_FIN -> clientWaitExpired(now);
            case LINGERING -> finish(sides.serverCloses(decision, WhoClosed.LOCAL_FIN), CloseMode.LINGER, fallback, Op.CLOSE);
            case AWAIT_ACK -> onAckFailed(FallbackReason.ACK_WAIT_EXPIRED);
            default -> { }
        }
    }

    private void runFallback(FallbackReason reason) {
        fallback = reason;
        if (reason == FallbackReason.CLIENT_WAIT_EXPIRED) {
            ClosingSides.teachPeer(view, decision, false);
        }
        closeBy(decision.fallback(), ticker.nanos());
    }

    /** The application closes the connection now (a graceful close). */
    public void abort() {
        if (state == State.CLOSED) {
            return;
        }
        finish(sides.serverCloses(decision, WhoClosed.LOCAL_FIN), sides.outputShut() ? CloseMode.LINGER : CloseMode.FIN,
                FallbackReason.APPLICATION_ABORT, Op.CLOSE);
    }

    /** The transport closed by itself (I/O error, or closed outside the machine). */
    public void onTransportClosed() {
        if (state == State.CLOSED) {
            return;
        }
        if (state == State.AWAIT_ACK && sides.peerFin() && !sides.outputShut()) { // the RST waited for proof
            closeUnproven(Op.NONE);
            return;
        }
        finish(sides.firstOnTheWire(decision), sides.modeUsedSoFar(), fallback, Op.NONE);
    }

    private enum Op { CLOSE, RESET, NONE }

    private void enter(State s, long deadlineNanos) {
        state = s;
        rearm(deadlineNanos, ticker.nanos());
    }

    private void rearm(long deadlineNanos, long now) {
        deadline = deadlineNanos;
        transport.schedule(Math.max(0, deadlineNanos - now));
    }

    private void finish(WhoClosed who, CloseMode used, FallbackReason fb, Op op) {
        if (state == State.CLOSED) {
            return;
        }
        state = State.CLOSED;
        deadline = Long.MAX_VALUE;
        transport.cancelTimer();
        if (op == Op.CLOSE) {
            transport.close();
        } else if (op == Op.RESET) {
            transport.reset();
        }
        event = ClosingSides.event(view, decision, retiredAt, who, used, fb, ticker.nanos());
        CloseEvent e = event;
        CloseListener.Safely.run(listener, () -> listener.onClose(e));
    }

    @Override
    public String toString() {
        return "CloseStateMachine[" + state + (state == State.AWAIT_PEER_FIN ? " " + clientWait : "") + ", " + decision + "]";
    }
}
