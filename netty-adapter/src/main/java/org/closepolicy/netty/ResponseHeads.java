package org.closepolicy.netty;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponse;
import org.closepolicy.ConnectionView;
import org.closepolicy.Retire;
import org.closepolicy.RetireReason;
import org.closepolicy.spi.AdapterRuntime;

/**
 * What the head of an HTTP/1 response tells about the connection, and what {@link ClosePolicyHandler} writes into
 * it: why a response must be the last although the policy would keep the connection, and the {@code Connection}
 * header that announces the decision.
 *
 * <p>Thread-safety: stateless.
 */
final class ResponseHeads {

    private ResponseHeads() {
    }

    /**
     * Why the response must retire the connection although the policy would reuse it, or null: a bad request
     * leaves the decoder unusable and the application asked to close ({@code Connection: close}, or
     * {@link CloseControl#retire}); the client pipelined too much; the client half-closed and this answers its
     * latest request; the server is draining.
     */
    static RetireReason forcedRetirement(HttpResponse res, boolean badRequest, boolean retireRequested, boolean overflowed,
            boolean peerFinAfterLatest, boolean draining) {
        if (badRequest || retireRequested || res.headers().containsValue(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE, true)) {
            return RetireReason.APPLICATION;
        } else if (overflowed) {
            return RetireReason.PIPELINE_LIMIT;
        } else if (peerFinAfterLatest) {
            return RetireReason.CLIENT_REQUESTED;
        }
        return draining ? RetireReason.DRAIN : null;
    }

    /**
     * The retirement of a connection whose reuse was already sent with the head, decided when the response ends:
     * the client closed its side (announced by its own FIN), else the application asked to retire or the client
     * pipelined too much (unannounced).
     */
    static Retire retirementAfterHead(AdapterRuntime runtime, ConnectionView c, boolean peerFin, boolean retireRequested,
            boolean unread) {
        return peerFin
                ? runtime.retireAnnounced(c, RetireReason.CLIENT_REQUESTED, unread)
                : runtime.retireUnannounced(c, retireRequested ? RetireReason.APPLICATION : RetireReason.PIPELINE_LIMIT, unread);
    }

    /** Announces the decision: {@code Connection: close} when retiring, {@code keep-alive} to a reused HTTP/1.0 client. */
    static void announce(HttpResponse res, boolean retiring, boolean http10) {
        HttpHeaders headers = res.headers();
        if (retiring) {
            headers.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        } else if (http10) {
            headers.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
        }
    }
}
