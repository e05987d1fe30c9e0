package org.closepolicy.netty;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpUtil;

/**
 * The HTTP/1 requests passed to the application whose response has not started, oldest first: of each, what
 * the decision at its response's head needs (HTTP/1.0, keep-alive, {@code HEAD}, a decoding failure), packed in
 * an int so that tracking a request allocates nothing.
 *
 * <p>Thread-safety: not thread-safe; confined to the channel's event loop.
 */
final class PendingRequests {

    private static final int HTTP_10 = 1;
    private static final int KEEP_ALIVE = 2;
    private static final int HEAD = 4;
    private static final int BAD = 8;
    /** A response nobody asked for is treated as an answer to a keep-alive HTTP/1.1 request. */
    static final int UNSOLICITED = KEEP_ALIVE;
    /** No request in the handler's own slot. */
    static final byte NONE = -1;

    // One request at a time (no pipelining) is the common case: it lives in the handler's own slot (a byte), and
    // this ring is made only when a second request arrives before the first is answered.
    private int[] requests = new int[4];
    private int head;
    private int size;

    /**
     * Tracks the request {@code req} for a handler whose own slot holds {@code single} ({@link #NONE}: empty) and
     * whose ring is {@code more} (null until a second request is pending); returns the slot's new value. The slot
     * holds a request only while the ring is empty, so that the oldest is always answered first.
     */
    static byte add(byte single, PendingRequests more, HttpRequest req) {
        int info = infoOf(req);
        if (single == NONE && (more == null || more.size == 0)) {
            return (byte) info;
        }
        if (single != NONE) {
            more.push(single);
        }
        more.push(info);
        return NONE;
    }

    /** Whether a request added now would not fit the handler's own slot: the ring must exist first. */
    static boolean needsRing(byte single, PendingRequests more) {
        return more == null && single != NONE;
    }

    private void push(int info) {
        if (size == requests.length) {
            int[] grown = new int[requests.length * 2];
            for (int i = 0; i < size; i++) {
                grown[i] = requests[(head + i) % requests.length];
            }
            requests = grown;
            head = 0;
        }
        requests[(head + size) % requests.length] = info;
        size++;
    }

    /** Whether no request is pending: none in the handler's own slot {@code single}, none in its ring {@code more}. */
    static boolean isEmpty(byte single, PendingRequests more) {
        return single == NONE && isEmpty(more);
    }

    /** Whether the ring {@code more} (null: never made) holds no request. */
    static boolean isEmpty(PendingRequests more) {
        return more == null || more.size == 0;
    }

    /** The oldest request of the ring {@code more}, now being answered: removed; an unsolicited response's when there is none. */
    static int next(PendingRequests more) {
        if (isEmpty(more)) {
            return UNSOLICITED;
        }
        int info = more.requests[more.head];
        more.head = (more.head + 1) % more.requests.length;
        more.size--;
        return info;
    }

    static boolean http10(int info) {
        return (info & HTTP_10) != 0;
    }

    static boolean keepAlive(int info) {
        return (info & KEEP_ALIVE) != 0;
    }

    /** The decoder failed on the request: the connection cannot be reused. */
    static boolean bad(int info) {
        return (info & BAD) != 0;
    }

    /** Whether the client sees the end of the response by itself (an HTTP/1.0 client cannot read chunks). */
    static boolean selfDelimited(HttpResponse res, int info) {
        int code = res.status().code();
        return (info & HEAD) != 0 || code == 204 || code == 304 || HttpUtil.isContentLengthSet(res)
                || ((info & HTTP_10) == 0 && HttpUtil.isTransferEncodingChunked(res));
    }

    /**
     * Whether a request has no body by its head (RFC 9112 §6.3: neither {@code Transfer-Encoding} nor a
     * {@code Content-Length} other than 0); an unparsable length counts as a body.
     */
    static boolean declaresNoBody(HttpRequest req) {
        HttpHeaders h = req.headers();
        if (h.contains(HttpHeaderNames.TRANSFER_ENCODING)) {
            return false;
        }
        String length = h.get(HttpHeaderNames.CONTENT_LENGTH);
        return length == null || "0".equals(length.trim());
    }

    private static int infoOf(HttpRequest req) {
        int info = 0;
        if (req.protocolVersion().equals(io.netty.handler.codec.http.HttpVersion.HTTP_1_0)) {
            info |= HTTP_10;
        }
        if (HttpUtil.isKeepAlive(req)) {
            info |= KEEP_ALIVE;
        }
        if (HttpMethod.HEAD.equals(req.method())) {
            info |= HEAD;
        }
        if (req.decoderResult().isFailure()) {
            info |= BAD;
        }
        return info;
    }
}
