package org.closepolicy;

/**
 * The application protocol spoken on a connection, as reported by the adapter.
 *
 * <pre>{@code
 * Rule r = Rule.builder("raw").whenProtocol(Protocol.TCP).settings(s -> s.closer(Closer.SERVER_FIRST)).build();
 * }</pre>
 *
 * <p>Thread-safety: immutable.
 */
public enum Protocol {
    /** HTTP/1.0 or HTTP/1.1. */
    HTTP1("http1"),
    /** HTTP/2. */
    HTTP2("http2"),
    /** Any other protocol over TCP. */
    TCP("tcp");

    private final String specName;

    Protocol(String specName) {
        this.specName = specName;
    }

    /** The word used in spec text ({@code rule.raw.when.protocol=tcp}). */
    public String specName() {
        return specName;
    }
}
