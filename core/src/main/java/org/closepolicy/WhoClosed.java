package org.closepolicy;

/**
 * Who ended a connection first, as seen on the wire.
 *
 * <pre>{@code
 * if (event.whoClosed() == WhoClosed.LOCAL_FIN) { // this server keeps the TIME_WAIT
 * }
 * }</pre>
 *
 * <p>Thread-safety: immutable.
 */
public enum WhoClosed {
    /** The server sent the first FIN: the server holds TIME_WAIT. */
    LOCAL_FIN,
    /** The client sent the first FIN: the client holds TIME_WAIT (or nobody, if the server then reset). */
    REMOTE_FIN,
    /** The server sent an RST first: nobody holds TIME_WAIT. */
    LOCAL_RST,
    /** The client reset the connection. */
    REMOTE_RST,
    /** The server closed an idle connection when its idle timeout ran out; {@code usedMode} says how. */
    TIMEOUT;

    /** Whether this end leaves TIME_WAIT on the server. */
    public boolean serverHoldsTimeWait() {
        return this == LOCAL_FIN;
    }
}
