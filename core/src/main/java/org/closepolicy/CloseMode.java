package org.closepolicy;

/**
 * How the server ends its side of a connection.
 *
 * <ul>
 *   <li>{@link #FIN}: a graceful close.</li>
 *   <li>{@link #LINGER}: half-close (FIN), then read and discard the peer's input, bounded by time
 *       and bytes, then close; this keeps unread request bytes from turning the close into an RST
 *       (nginx's {@code lingering_close}).</li>
 *   <li>{@link #RST}: an abortive close (SO_LINGER 0). closepolicy only sends it when it cannot
 *       destroy response bytes: in reply to the peer's FIN after the response was flushed, or once
 *       the kernel shows every byte acknowledged (bounded by {@code ackWait}, else FIN).</li>
 * </ul>
 *
 * <pre>{@code
 * ClosePolicy p = ClosePolicy.builder().closer(Closer.SERVER_FIRST).mode(CloseMode.LINGER).build();
 * }</pre>
 *
 * <p>Thread-safety: immutable.
 */
public enum CloseMode {
    /** Graceful close. */
    FIN("fin"),
    /** Half-close, drain and discard input (bounded), then close. */
    LINGER("linger"),
    /** Abortive close, only when it cannot lose response bytes. */
    RST("rst");

    private final String specName;

    CloseMode(String specName) {
        this.specName = specName;
    }

    /** The word used in spec text ({@code close.mode=rst}). */
    public String specName() {
        return specName;
    }
}
