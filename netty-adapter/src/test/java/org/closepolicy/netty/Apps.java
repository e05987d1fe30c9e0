package org.closepolicy.netty;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import org.closepolicy.testkit.DeterministicBytes;

/** Application handlers of the test servers. */
final class Apps {

    /** The small XML-sized body of the seed workload. */
    static final int SMALL = 1_900;

    private Apps() {
    }

    /**
     * Answers each request when its last content arrives (no aggregator needed) with {@code body} and a
     * Content-Length; remembers the latest connection's channel.
     */
    @ChannelHandler.Sharable
    static final class AtLastContent extends ChannelInboundHandlerAdapter {
        private final byte[] body;
        /** The latest connection's channel. */
        volatile Channel channel;

        AtLastContent(byte[] body) {
            this.body = body.clone();
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) throws Exception {
            channel = ctx.channel();
            super.channelActive(ctx);
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            boolean last = msg instanceof LastHttpContent;
            ReferenceCountUtil.release(msg);
            if (last) {
                FullHttpResponse res = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK,
                        Unpooled.wrappedBuffer(body));
                res.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, body.length);
                ctx.writeAndFlush(res);
            }
        }
    }

    /** Answers every whole request with {@code n} deterministic bytes and a Content-Length. */
    @ChannelHandler.Sharable
    static final class Fixed extends SimpleChannelInboundHandler<FullHttpRequest> {
        private final ByteBuf body;
        private final boolean withLength;
        private final boolean closeLikeNettyExamples;

        Fixed(int n) {
            this(n, true, false);
        }

        Fixed(int n, boolean withLength, boolean closeLikeNettyExamples) {
            this.body = Unpooled.unreleasableBuffer(Unpooled.wrappedBuffer(DeterministicBytes.generate(n)).asReadOnly());
            this.withLength = withLength;
            this.closeLikeNettyExamples = closeLikeNettyExamples;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) {
            FullHttpResponse res = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK, body.duplicate());
            res.headers().set(HttpHeaderNames.CONTENT_TYPE, "application/xml");
            if (withLength) {
                res.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, body.readableBytes());
            }
            if (closeLikeNettyExamples && !HttpUtil.isKeepAlive(req)) {
                res.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
                ctx.writeAndFlush(res).addListener(ChannelFutureListener.CLOSE);
            } else {
                ctx.writeAndFlush(res);
            }
        }
    }

    /**
     * Answers {@code /slow} with {@link #SLOW_BODY} bytes written from another thread after a delay, and any other
     * path at once with {@link #SMALL} bytes: an application that, left alone, answers pipelined requests out of order.
     */
    @ChannelHandler.Sharable
    static final class SlowOrFast extends SimpleChannelInboundHandler<FullHttpRequest> {
        static final int SLOW_BODY = 4_000_000;
        private static final java.util.concurrent.ScheduledExecutorService LATER =
                java.util.concurrent.Executors.newSingleThreadScheduledExecutor(r -> {
                    Thread t = new Thread(r, "test-app-slow");
                    t.setDaemon(true);
                    return t;
                });
        private static final ByteBuf SLOW = Unpooled.unreleasableBuffer(
                Unpooled.wrappedBuffer(DeterministicBytes.generate(SLOW_BODY)).asReadOnly());
        private final Fixed fast = new Fixed(SMALL);
        private final java.time.Duration delay;

        SlowOrFast(java.time.Duration delay) {
            this.delay = delay;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) {
            if (!req.uri().startsWith("/slow")) {
                fast.channelRead0(ctx, req);
                return;
            }
            LATER.schedule(() -> {
                FullHttpResponse res = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK, SLOW.duplicate());
                res.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, SLOW_BODY);
                ctx.writeAndFlush(res);
            }, delay.toNanos(), java.util.concurrent.TimeUnit.NANOSECONDS);
        }
    }

    /** Throws while handling a request. */
    @ChannelHandler.Sharable
    static final class Failing extends SimpleChannelInboundHandler<FullHttpRequest> {
        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) {
            throw new IllegalStateException("application failure");
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }

    /**
     * Rejects a request whose declared body exceeds {@code limit} with an immediate 413, before reading the body
     * (the early response); the rest of that body is ignored. Smaller requests get 200 once read.
     */
    static final class EarlyReject extends ChannelInboundHandlerAdapter {
        private final long limit;
        private boolean rejecting;

        EarlyReject(long limit) {
            this.limit = limit;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            try {
                if (msg instanceof HttpRequest req) {
                    rejecting = HttpUtil.getContentLength(req, 0L) > limit;
                    if (rejecting) {
                        byte[] text = "request body too large\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
                        FullHttpResponse res = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
                                HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE, Unpooled.wrappedBuffer(text));
                        res.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, text.length);
                        ctx.writeAndFlush(res);
                    }
                }
                if (msg instanceof LastHttpContent && !rejecting) {
                    FullHttpResponse res = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
                    res.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, 0);
                    ctx.writeAndFlush(res);
                } else if (msg instanceof HttpContent && !(msg instanceof LastHttpContent)) {
                    // body bytes are ignored
                }
            } finally {
                ReferenceCountUtil.release(msg);
            }
        }
    }
}
