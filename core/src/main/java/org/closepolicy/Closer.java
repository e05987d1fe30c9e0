package org.closepolicy;

/**
 * Who sends the first FIN when a connection is retired. The side that closes first keeps the
 * connection in TIME_WAIT (60 s on Linux).
 *
 * <pre>{@code
 * ClosePolicy p = ClosePolicy.builder().closer(Closer.CLIENT_FIRST).clientWait(Duration.ofSeconds(2)).build();
 * }</pre>
 *
 * <p>Thread-safety: immutable.
 */
public enum Closer {
    /** The server closes right after the last response: the server holds TIME_WAIT. */
    SERVER_FIRST("server"),
    /**
     * The server marks the response as the last one ({@code Connection: close}) and waits up to
     * {@code clientWait} for the client's FIN; the client then holds TIME_WAIT. Clients that
     * delimit the response by EOF are always closed by the server at once.
     */
    CLIENT_FIRST("client");

    private final String specName;

    Closer(String specName) {
        this.specName = specName;
    }

    /** The word used in spec text ({@code close.first=client}). */
    public String specName() {
        return specName;
    }
}
