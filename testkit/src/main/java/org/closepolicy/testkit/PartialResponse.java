package org.closepolicy.testkit;

import java.io.ByteArrayOutputStream;

/**
 * What a {@link RawHttpClient} has read of one response so far.
 *
 * <p>Thread-safety: not thread-safe; one connection's reading thread fills it.
 */
final class PartialResponse {
    int status = -1;
    String reason = "";
    String version = "";
    ResponseHeaders headers = ResponseHeaders.empty();
    HttpResult.Framing framing = HttpResult.Framing.UNKNOWN;
    long bodyLength;
    final Sha256 sha = new Sha256();
    final ByteArrayOutputStream body;
    boolean complete;
    long endNanos = -1;

    PartialResponse(boolean keepBody) {
        this.body = keepBody ? new ByteArrayOutputStream() : null;
    }

    void accept(byte[] b, int off, int len) {
        sha.update(b, off, len);
        bodyLength += len;
        if (body != null) {
            body.write(b, off, len);
        }
    }
}
