package org.closepolicy.netty;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufHolder;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.channel.FileRegion;
import io.netty.util.ReferenceCountUtil;
import java.nio.channels.ClosedChannelException;

/**
 * What the policy handlers do alike with the messages of a channel: measure them, drop a write once the connection
 * is retired, complete an application's close promise when the channel really closes.
 * <pre>{@code
 * long bytes = Messages.size(msg);
 * Messages.dropWrite(msg, promise);   // released; an empty message succeeds, others fail
 * }</pre>
 *
 * <p>Thread-safety: stateless.
 */
final class Messages {

    private static final ClosedChannelException RETIRED = retiredException();

    private Messages() {
    }

    /** Bytes of a buffer-like message; 0 for others. */
    static long size(Object msg) {
        if (msg instanceof ByteBuf b) {
            return b.readableBytes();
        }
        if (msg instanceof ByteBufHolder h) {
            return h.content().readableBytes();
        }
        if (msg instanceof FileRegion r) {
            return r.count() - r.transferred();
        }
        return 0;
    }

    /** Drops a message written after retirement: empty ones succeed, others fail as if the channel were closed. */
    static void dropWrite(Object msg, ChannelPromise promise) {
        boolean empty = size(msg) == 0;
        ReferenceCountUtil.release(msg);
        if (empty) {
            promise.trySuccess();
        } else {
            promise.tryFailure(RETIRED);
        }
    }

    /** Completes an application's close promise when the channel really closes. */
    static void completeOnClose(ChannelHandlerContext ctx, ChannelPromise promise) {
        if (promise.isVoid()) {
            return;
        }
        ctx.channel().closeFuture().addListener(f -> promise.trySuccess());
    }

    private static ClosedChannelException retiredException() {
        return new ClosedChannelException() {
            @Override
            public synchronized Throwable fillInStackTrace() {
                return this;
            }

            @Override
            public String getMessage() {
                return "write dropped: the connection was retired by its close policy";
            }
        };
    }
}
