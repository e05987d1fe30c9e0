package org.closepolicy.kernel;

/**
 * How an {@link AckWatcher} watch ended.
 *
 * <pre>{@code
 * watcher.watch(local, remote, Duration.ofSeconds(1), (result, pending) -> {
 *     if (result == AckResult.ACKED) { loop.execute(transport::reset); }
 *     else { loop.execute(transport::closeGracefully); }
 * });
 * }</pre>
 *
 * <p>Thread-safety: immutable, safe from any thread.
 */
public enum AckResult {
    /** The send queue of the 4-tuple is empty: the peer acknowledged every byte, an RST loses nothing. */
    ACKED,
    /** The 4-tuple is no longer in the table: the connection is already closed. */
    GONE,
    /** The deadline passed with bytes still queued; {@code pendingBytes} is the last send queue seen. */
    TIMEOUT,
    /** The TCP table cannot be read on this platform; nothing can be known about acknowledgement. */
    UNSUPPORTED,
    /** The watcher was closed before the watch settled. */
    CLOSED
}
