package org.closepolicy.spi;

/**
 * What an adapter must offer the {@link CloseStateMachine} for one
 * connection. Every method is called on the connection's own thread (or under its lock) and must
 * not block.
 *
 * <pre>{@code
 * final class NettyTransport implements Transport {
 *     public void shutdownOutput() { ((DuplexChannel) ch).shutdownOutput(); }
 *     public void close()          { ch.close(); }
 *     public void reset()          { ch.config().setOption(ChannelOption.SO_LINGER, 0); ch.close(); }
 *     public void schedule(long delayNanos) { cancelTimer(); timer = ch.eventLoop().schedule(machine::onTimer, delayNanos, NANOSECONDS); }
 *     ...
 * }
 * }</pre>
 *
 * <p>Thread-safety: confined to the connection's thread.
 */
public interface Transport {

    /** Sends a FIN but keeps reading (half-close). */
    void shutdownOutput();

    /** Closes gracefully: a FIN if none was sent yet, after any data already written. */
    void close();

    /** Closes abortively: SO_LINGER 0, then close; the kernel sends an RST. */
    void reset();

    /**
     * Arms the machine's single timer; a later call replaces an earlier one. When it fires, the
     * adapter calls {@link CloseStateMachine#onTimer()} on the connection's thread. {@link TimedTransport}
     * implements this (and {@link #cancelTimer()}) once for every adapter with a {@link StepTimer}.
     */
    void schedule(long delayNanos);

    /** Cancels the machine's timer, if armed. */
    void cancelTimer();

    /**
     * Starts checking whether every byte written has been acknowledged by the peer, for at most
     * {@code timeoutNanos}. The adapter reports the outcome once, on the connection's thread, with
     * {@link CloseStateMachine#onAcked()} or
     * {@link CloseStateMachine#onAckFailed(org.closepolicy.FallbackReason)}.
     * Adapters normally use the shared {@link org.closepolicy.kernel.AckWatcher}.
     *
     * <p>A timeout of 0 asks for a single look (the machine uses one when a client wait runs out, to learn
     * whether the response had arrived). The machine may ask again later for the same connection (after a
     * look that found bytes queued, or for the RST fallback after an expired client wait): a new call
     * replaces the earlier watch, which the adapter should cancel. An outcome of the earlier watch reported
     * anyway is safe (nothing is written after the last response, so "acknowledged" stays true; a failure
     * only ends the newer wait early), and the machine ignores outcomes in states that did not ask for one.
     */
    void watchAcks(long timeoutNanos);

    /**
     * The response is flushed and the machine waits for the peer's FIN, which it will answer with a plain close
     * (not an RST). A transport whose framework closes the connection by itself at the end of input may let it
     * from now on, and report that close with {@link CloseStateMachine#onPeerFinClosed()}: the peer's FIN then
     * costs no input shutdown and no event of its own. Nothing by default.
     */
    default void closeAtPeerFin() {
    }

    /**
     * The response is flushed and the machine waits for the peer's FIN, which it will answer with an RST once
     * every byte is proven acknowledged. A transport that reads the end of input before its framework acts on it may
     * report it from there with {@link CloseStateMachine#onPeerFin()} and spare the framework's input shutdown and
     * event; the machine's answer is the same. Nothing by default.
     */
    default void resetAtPeerFin() {
    }

    /**
     * Whether the peer answers the server's close with bytes of its own: over TLS its {@code close_notify}, which may
     * also come before (a client that half-closes right after its request). Bytes that arrive, or wait unread, at a
     * socket the server has closed make its kernel reset the connection and drop what it has not sent yet; so the
     * machine ends such a connection's plain FIN close by lingering (output shut down, input read until the peer's
     * FIN) unless {@link #unacknowledged()} proves nothing is left to lose. Default: {@code false}.
     */
    default boolean peerAnswersClose() {
        return false;
    }

    /**
     * What the kernel still holds for the peer, read from the socket itself (no table, no ack watcher):
     * {@code 0} proves every byte written so far acknowledged, none in flight and none unsent; {@code > 0}
     * (bytes or segments) that some are not; {@code -1} that this transport cannot tell. The machine resets
     * at the peer's FIN at once only on a {@code 0}, else after the ack check proved it. Default: {@code -1}.
     */
    default long unacknowledged() {
        return -1;
    }
}
