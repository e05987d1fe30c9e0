package org.closepolicy;

import java.time.Duration;
import java.util.Objects;

/**
 * Retire the connection: who closes first, how, what happens when a wait runs out, and the bounds
 * of every wait. Built from {@link CloseSettings#retire(RetireReason)}; policies return
 * pre-built instances, so deciding allocates nothing.
 *
 * <pre>{@code
 * Retire r = CloseSettings.of(Preset.SAFE_RESET).retire(RetireReason.MAX_REQUESTS);
 * r.closer();   // CLIENT_FIRST
 * r.mode();     // RST (in reply to the client's FIN)
 * r.fallback(); // RST once every byte is acknowledged, else FIN
 * }</pre>
 *
 * <p>Thread-safety: immutable.
 */
public final class Retire implements Decision {

    private final CloseSettings settings;
    private final Closer closer;
    private final CloseMode mode;
    private final RetireReason reason;
    private final PeerCheck peerCheck;

    /**
     * Whether this retirement waits for an HTTP/1.0 peer that may read to EOF: the wait is the probe for an
     * unknown peer, and whatever ends it (the peer's FIN, or the wait running out) is remembered.
     */
    enum PeerCheck { NONE, PROBE, KNOWN_CLOSER }

    Retire(CloseSettings settings, Closer closer, CloseMode mode, RetireReason reason) {
        this(settings, closer, mode, reason, PeerCheck.NONE);
    }

    Retire(CloseSettings settings, Closer closer, CloseMode mode, RetireReason reason, PeerCheck peerCheck) {
        this.peerCheck = Objects.requireNonNull(peerCheck, "peerCheck");
        if (peerCheck != PeerCheck.NONE && closer != Closer.CLIENT_FIRST) {
            throw new IllegalArgumentException("a peer check waits for the client: CLIENT_FIRST only");
        }
        this.settings = Objects.requireNonNull(settings, "settings");
        this.closer = Objects.requireNonNull(closer, "closer");
        this.mode = Objects.requireNonNull(mode, "mode");
        this.reason = Objects.requireNonNull(reason, "reason");
        if (closer == Closer.CLIENT_FIRST && mode == CloseMode.LINGER) {
            throw new IllegalArgumentException("mode LINGER requires SERVER_FIRST");
        }
    }

    @Override
    public boolean retires() {
        return true;
    }

    /** Who sends the first FIN. */
    public Closer closer() {
        return closer;
    }

    /**
     * How the server ends its side: with {@link Closer#SERVER_FIRST}, the close itself; with
     * {@link Closer#CLIENT_FIRST}, what the server does on the client's FIN ({@code FIN}: a passive
     * close; {@code RST}: reset in reply, leaving no TIME_WAIT on either side).
     */
    public CloseMode mode() {
        return mode;
    }

    /**
     * What runs when the client does not close within {@link #clientWait()} (CLIENT_FIRST only). For an
     * HTTP/1.0 peer that may read to EOF ({@link #learnsPeer()}) never an RST: the settings' RST becomes a FIN.
     */
    public CloseMode fallback() {
        CloseMode f = settings.fallback();
        return peerCheck != PeerCheck.NONE && f == CloseMode.RST ? CloseMode.FIN : f;
    }

    /**
     * Whether this is the close of an HTTP/1.0 exchange with a length-delimited response under client-first
     * settings: the peer may read to EOF, so the fallback is never an RST, and the outcome of the wait (the
     * peer's FIN, or the wait running out) teaches the adapter's peer memory.
     */
    public boolean learnsPeer() {
        return peerCheck != PeerCheck.NONE;
    }

    /** Whether the peer's habit was unknown: the wait is the short {@code close.eof-probe}. */
    public boolean probesPeer() {
        return peerCheck == PeerCheck.PROBE;
    }

    /** Why the connection is retired. */
    public RetireReason reason() {
        return reason;
    }

    /**
     * How long to wait for the client's FIN (CLIENT_FIRST), counted from the moment the response is
     * acknowledged, bounded by {@link #flushTimeout()}: the wait starts when the last response is flushed;
     * if bytes are still unacknowledged when it runs out, it runs once more from their acknowledgement,
     * provided that comes within {@code flushTimeout} of the retirement.
     */
    public Duration clientWait() {
        if (peerCheck == PeerCheck.PROBE && settings.eofProbe().compareTo(settings.clientWait()) < 0) {
            return settings.eofProbe();
        }
        return settings.clientWait();
    }

    /** How long an RST may wait for every byte to be acknowledged before falling back to FIN. */
    public Duration ackWait() {
        return settings.ackWait();
    }

    /** Whether an RST (other than one in reply to the peer's FIN) waits for every byte to be acknowledged. */
    public boolean resetAfterAck() {
        return settings.resetAfterAck();
    }

    /** Total time bound of lingering. */
    public Duration lingerTime() {
        return settings.lingerTime();
    }

    /** Lingering stops when the peer sends nothing for this long. */
    public Duration lingerTimeout() {
        return settings.lingerTimeout();
    }

    /** Input discarded while lingering or waiting for the client's FIN, at most this many bytes. */
    public long lingerBytes() {
        return settings.lingerBytes();
    }

    /**
     * How long the streams in flight on a multiplexed (HTTP/2) connection may run after the graceful
     * {@code GOAWAY} before the close starts anyway. Not part of {@link #maxCloseTime()}: that bound starts
     * when the drain ends.
     */
    public Duration drainTimeout() {
        return settings.drainTimeout();
    }

    /**
     * How long the last response may take to flush before the connection is closed anyway, counted from the
     * retirement; also the end of the acknowledgement check of an expired client wait (see {@link #clientWait()}).
     */
    public Duration flushTimeout() {
        return settings.flushTimeout();
    }

    /** The settings this decision was built from. */
    public CloseSettings settings() {
        return settings;
    }

    /**
     * An upper bound of the time from retirement to CLOSED: {@code flushTimeout + clientWait +
     * max(ackWait, lingerTime)} ({@code clientWait} for CLIENT_FIRST only). The flush and the
     * acknowledgement of the response both end within {@code flushTimeout} of the retirement (the
     * acknowledgement check of an expired client wait stops there); the client wait runs from the flush
     * or, once more, from a late acknowledgement; then the fallback takes at most the longer of ack wait
     * and lingering (an RST after an acknowledgement already proven takes no time).
     */
    public Duration maxCloseTime() {
        Duration after = settings.ackWait().compareTo(settings.lingerTime()) > 0 ? settings.ackWait() : settings.lingerTime();
        Duration wait = closer == Closer.CLIENT_FIRST ? clientWait() : Duration.ZERO;
        return settings.flushTimeout().plus(wait).plus(after);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Retire r && r.closer == closer && r.mode == mode && r.reason == reason && r.peerCheck == peerCheck
                && r.settings.equals(settings);
    }

    @Override
    public int hashCode() {
        return Objects.hash(closer, mode, reason, peerCheck, settings);
    }

    @Override
    public String toString() {
        return "Retire[" + closer + ", " + mode + (closer == Closer.CLIENT_FIRST ? ", wait " + clientWait() + " then " + fallback() : "")
                + (peerCheck == PeerCheck.PROBE ? ", probing an HTTP/1.0 peer" : peerCheck == PeerCheck.KNOWN_CLOSER ? ", HTTP/1.0 peer" : "")
                + ", reason=" + reason + "]";
    }
}
