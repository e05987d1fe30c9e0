package org.closepolicy.kernel;

/**
 * How an {@link AckWatcher} watch ended.
 *
 * <pre>{@code
 * // On the connection's thread the state machine turns the result into the close: only ACKED allows an RST.
 * watcher.watch(local, remote, Duration.ofSeconds(1), (result, pending) -> loop.execute(() -> machine.onAckResult(result)));
 * }</pre>
 *
 * <p>Thread-safety: immutable, safe from any thread.
 */
public enum AckResult {
    /**
     * The send queue of the 4-tuple is empty and so is its receive queue: the peer acknowledged every byte and
     * nothing it sent waits unread, an RST loses nothing.
     */
    ACKED,
    /**
     * The send queue is empty (every byte acknowledged) but the receive queue holds bytes the application has
     * not read yet, such as a request crossing an idle close (or the peer's FIN). Not a proof for an RST: the
     * RST would throw those bytes away and its client would read a reset where it could have retried.
     */
    PEER_DATA_WAITING,
    /**
     * The 4-tuple is not in the table: the connection is closed, or the lookup missed it (an address that maps
     * differently). On the {@code /proc/net/tcp} path, two reads in a row must lack the row, since one read of a
     * busy table skips rows. Proves nothing about acknowledgement, so it never leads to an RST.
     */
    GONE,
    /** The deadline passed with bytes still queued; {@code pendingBytes} is the last send queue seen. */
    TIMEOUT,
    /** The TCP table cannot be read on this platform; nothing can be known about acknowledgement. */
    UNSUPPORTED,
    /** The watcher was closed before the watch settled. */
    CLOSED
}
