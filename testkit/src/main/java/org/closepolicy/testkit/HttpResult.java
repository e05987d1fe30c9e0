package org.closepolicy.testkit;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;

/**
 * What a {@link RawHttpClient} saw for one response on the wire.
 *
 * <pre>{@code
 * HttpResult r = client.send();
 * assertThat(r.status()).isEqualTo(200);
 * assertThat(r.complete()).isTrue();
 * assertThat(r.bodySha256()).isEqualTo(DeterministicBytes.sha256Hex(1_900));
 * assertThat(r.resetSeen()).isFalse();
 * }</pre>
 *
 * <p>Thread-safety: immutable except for the {@code body} array, which is not copied.
 *
 * @param status           status code, or -1 when no status line was received
 * @param reason           reason phrase ("" when none)
 * @param version          protocol of the status line ({@code HTTP/1.1}), "" when none
 * @param headers          response header fields
 * @param framing          how the body was delimited
 * @param bodyLength       body bytes received (decoded, for chunked)
 * @param bodySha256       SHA-256 of the received body bytes, lower-case hex
 * @param body             the body bytes when the client keeps bodies, else {@code null}
 * @param complete         the whole response arrived per its framing (for an EOF-delimited body: EOF seen)
 * @param serverClosed     the server's EOF (FIN) was seen on this connection
 * @param resetSeen        a connection reset was reported on this connection
 * @param error            the first read error, or {@code null}
 * @param errorAtNanos     nanoseconds from the start of the exchange to that error, -1 if none
 * @param requestBytesSent request bytes written (head and body)
 * @param requestError     the error that stopped writing the request, or {@code null}
 * @param trailingBytes    bytes received after the last expected response (while draining to EOF or holding)
 * @param localAddress     the client socket's local address, {@code null} if it never connected
 * @param elapsedNanos     nanoseconds from the start of the exchange to the end of this response (for the last
 *                         response of a connection: to the close)
 */
public record HttpResult(int status, String reason, String version, ResponseHeaders headers, Framing framing,
                         long bodyLength, String bodySha256, byte[] body, boolean complete, boolean serverClosed,
                         boolean resetSeen, String error, long errorAtNanos, long requestBytesSent,
                         String requestError, long trailingBytes, InetSocketAddress localAddress,
                         long elapsedNanos) {

    /**
     * How a response body is delimited.
     *
     * <pre>{@code
     * if (result.framing() == HttpResult.Framing.EOF) { // the client had to wait for the server's FIN
     * }
     * }</pre>
     *
     * <p>Thread-safety: immutable.
     */
    public enum Framing {
        /** No response was parsed. */
        UNKNOWN,
        /** No body: HEAD request, 1xx, 204 or 304. */
        NONE,
        /** {@code Content-Length}. */
        CONTENT_LENGTH,
        /** {@code Transfer-Encoding: chunked}. */
        CHUNKED,
        /** Neither: the body ends at the server's EOF. */
        EOF
    }

    /**
     * Whether the status is 2xx and the whole response arrived. A connection error after the response (for
     * example a reset while holding the connection) does not change this; see {@link #error()}.
     */
    public boolean ok() {
        return status >= 200 && status < 300 && complete;
    }

    /** The kept body as ISO-8859-1 text, or {@code null} when bodies are not kept. */
    public String bodyText() {
        return body == null ? null : new String(body, StandardCharsets.ISO_8859_1);
    }

    @Override
    public String toString() {
        return "HttpResult[" + status + " " + framing + " body=" + bodyLength + (complete ? "" : " INCOMPLETE")
                + (serverClosed ? " serverClosed" : "") + (resetSeen ? " RESET" : "")
                + (error != null ? " error=" + error : "") + (requestError != null ? " requestError=" + requestError : "")
                + " " + elapsedNanos / 1_000 + "us]";
    }
}
