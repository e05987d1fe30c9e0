package org.closepolicy;

/**
 * The HTTP version of the last request on a connection; {@link #NONE} for non-HTTP protocols.
 *
 * <pre>{@code
 * boolean old = view.httpVersion() == HttpVersion.HTTP_1_0;
 * }</pre>
 *
 * <p>Thread-safety: immutable.
 */
public enum HttpVersion {
    /** No HTTP request seen (raw TCP, or no request yet). */
    NONE,
    /** HTTP/1.0: no persistent connection unless the client sent {@code Connection: keep-alive}. */
    HTTP_1_0,
    /** HTTP/1.1: persistent unless {@code Connection: close}. */
    HTTP_1_1,
    /** HTTP/2. */
    HTTP_2
}
