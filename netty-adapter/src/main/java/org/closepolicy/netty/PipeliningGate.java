package org.closepolicy.netty;

import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.util.ReferenceCountUtil;
import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.Map;

/**
 * Holds pipelined HTTP/1.1 requests back while an earlier request is being answered, so that they reach the
 * application one at a time and their responses go out in request order whatever the application does
 * (answers on another thread, after a delay). Bounded by a number of held requests and of held bytes: beyond
 * either bound everything held is released and nothing more is held (the caller retires the connection after the
 * response in progress, and the client retries the requests it got no answer to, RFC 9112 §9.3.2).
 * <pre>{@code
 * PipeliningGate gate = new PipeliningGate(32, 1 << 20);
 * if (!gate.hold(request)) {
 *     // over a bound: everything held was released; retire after the response in progress
 * }
 * Object next = gate.poll();    // once the previous response is complete
 * }</pre>
 *
 * <p>Thread-safety: not thread-safe; confined to the channel's event loop.
 */
final class PipeliningGate {

    /** A user event that arrived while requests were held: it reaches the application after them. */
    record HeldEvent(Object event) {
    }

    /**
     * The gate of a connection that never held anything: empty, not overflowed; a handler replaces it by its own
     * gate before the first {@link #hold} (most connections never pipeline, and a gate costs 48 bytes).
     */
    static final PipeliningGate NONE = new PipeliningGate(0, 0);

    private final int maxRequests;
    private final long maxBytes;
    // Made on the first held message: most connections never pipeline, and an empty deque costs 112 bytes.
    private ArrayDeque<Object> held;
    private int requests;
    private long bytes;
    private boolean overflowed;

    PipeliningGate(int maxRequests, long maxBytes) {
        this.maxRequests = maxRequests;
        this.maxBytes = maxBytes;
    }

    /** {@code gate} when it is a connection's own, else a new gate with the bounds of {@code owner}. */
    static PipeliningGate own(PipeliningGate gate, NettyClosePolicy owner) {
        return gate != NONE ? gate : new PipeliningGate(owner.maxPipelinedRequests(), owner.maxPipelinedBytes());
    }

    /**
     * Holds {@code msg}, a request or a piece of the newest held request's body. Returns false when a bound would
     * be exceeded, having released {@code msg} and everything held; from then on {@link #overflowed()} is true and
     * nothing more is held.
     */
    boolean hold(Object msg) {
        if (this == NONE) {
            throw new IllegalStateException("the shared empty gate holds nothing");
        }
        boolean request = msg instanceof HttpRequest;
        long size = request ? headSize((HttpRequest) msg) + Messages.size(msg) : Messages.size(msg);
        if (overflowed || (request && requests >= maxRequests) || size > maxBytes - bytes) {
            ReferenceCountUtil.release(msg);
            clear();
            overflowed = true;
            return false;
        }
        held().addLast(msg);
        bytes += size;
        if (request) {
            requests++;
        }
        return true;
    }

    /** Holds a user event (the peer's FIN) behind the held requests, if there are any. */
    boolean holdEvent(Object event) {
        if (isEmpty()) {
            return false;
        }
        held.addLast(new HeldEvent(event));
        return true;
    }

    /** The oldest held message or event, or null. */
    Object peek() {
        return held == null ? null : held.peekFirst();
    }

    /** Removes the oldest held message or event, or returns null when nothing is held. */
    Object poll() {
        Object msg = held == null ? null : held.pollFirst();
        if (msg instanceof HttpRequest req) {
            requests--;
            bytes -= headSize(req) + Messages.size(msg);
        } else if (msg != null) {
            bytes -= Messages.size(msg);
        }
        return msg;
    }

    /** Whether requests are held. */
    boolean holdsRequests() {
        return requests > 0;
    }

    /** Whether anything is held. */
    boolean isEmpty() {
        return held == null || held.isEmpty();
    }

    /** Whether a request was refused for a bound: later requests are refused too. */
    boolean overflowed() {
        return overflowed;
    }

    /** Releases everything held (the connection retires or closed): held requests are never answered. */
    void clear() {
        if (held == null) {
            return; // nothing was ever held (and NONE stays untouched)
        }
        Object msg;
        while (held != null && (msg = held.pollFirst()) != null) {
            ReferenceCountUtil.release(msg);
        }
        requests = 0;
        bytes = 0;
    }

    /**
     * Whether {@code cause} is Netty's {@code HttpServerCodec} refusing more requests than its {@code maxPipelineDepth}
     * (128 by default) before their responses; it then discards the rest of the input and closes the channel after
     * the next response. Netty gives no type for it, so the message is matched.
     */
    private ArrayDeque<Object> held() {
        if (held == null) {
            held = new ArrayDeque<>(4);
        }
        return held;
    }

    static boolean isCodecDepthExceeded(Throwable cause) {
        return cause instanceof DecoderException && cause.getCause() instanceof IllegalStateException e
                && String.valueOf(e.getMessage()).startsWith("maxPipelineDepth exceeded");
    }

    /** About the bytes of a request head on the wire: what the decoded head keeps in memory. */
    static long headSize(HttpRequest req) {
        long n = req.method().name().length() + req.uri().length() + 12L;
        HttpHeaders headers = req.headers();
        for (Iterator<Map.Entry<CharSequence, CharSequence>> it = headers.iteratorCharSequence(); it.hasNext(); ) {
            Map.Entry<CharSequence, CharSequence> h = it.next();
            n += h.getKey().length() + h.getValue().length() + 4L;
        }
        return n + 2;
    }

    @Override
    public String toString() {
        return "PipeliningGate[held=" + requests + " requests, " + bytes + " bytes" + (overflowed ? ", overflowed" : "") + "]";
    }
}
