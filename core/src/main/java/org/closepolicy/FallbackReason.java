package org.closepolicy;

/**
 * Why the close that actually happened differs from the one planned.
 *
 * <pre>{@code
 * if (event.fallbackReason() == FallbackReason.CLIENT_WAIT_EXPIRED) { ... }
 * }</pre>
 *
 * <p>Thread-safety: immutable.
 */
public enum FallbackReason {
    /** The planned close happened. */
    NONE,
    /** The client did not close within {@code clientWait}; the fallback mode ran. */
    CLIENT_WAIT_EXPIRED,
    /** The client sent more input than {@code lingerBytes} while the server waited for its FIN. */
    INPUT_LIMIT_EXCEEDED,
    /** Not every byte was acknowledged within {@code ackWait}; the server closed with a FIN instead of an RST (when no earlier fallback reason applies). */
    ACK_WAIT_EXPIRED,
    /** The acknowledgement state cannot be read (not Linux, or unreadable); FIN instead of RST. */
    ACK_CHECK_UNSUPPORTED,
    /** The peer's FIN arrived before the response was flushed (a half-closing client): FIN instead of RST. */
    PEER_FIN_BEFORE_FLUSH,
    /**
     * At or after the peer's FIN not every byte was proven acknowledged (the FIN came while an ack check ran,
     * or the connection ended before the check did): FIN instead of RST. After the peer's FIN this is a passive
     * close, with no TIME_WAIT on the server.
     */
    UNACKED_AT_PEER_FIN,
    /**
     * The peer sent bytes while the reset waited for its acknowledgement check (a request crossing a close the
     * client was not told of, such as an idle close): a lingering close instead of an RST, so that its client
     * reads an EOF before any response byte (retryable for idempotent requests) rather than a reset.
     */
    PEER_SENT_DURING_ACK_WAIT,
    /** The response could not be flushed within {@code flushTimeout}. */
    FLUSH_TIMEOUT,
    /** The policy threw or returned null. */
    POLICY_ERROR,
    /** The application aborted the connection. */
    APPLICATION_ABORT
}
