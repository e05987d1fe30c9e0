package org.closepolicy.netty;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.util.concurrent.EventExecutor;
import java.util.Objects;
import java.util.concurrent.RejectedExecutionException;

/**
 * What an application tells the close policy of its connection. Works on channels with a
 * {@link TcpCloseHandler}, a {@link ClosePolicyHandler} or an {@link Http2ClosePolicyHandler} (the connection's
 * channel, not a stream's); on others the calls do nothing.
 * <pre>{@code
 * public void channelRead(ChannelHandlerContext ctx, Object msg) {
 *     ctx.writeAndFlush(reply(msg));
 *     if (isGoodbye(msg)) {
 *         CloseControl.retire(ctx);            // the client knows it is over: who / how follow the policy
 *     } else {
 *         CloseControl.exchangeCompleted(ctx); // the policy decides: reuse, or retire
 *     }
 * }
 *
 * // a ChannelInitializer installs the handler once per channel:
 * protected void initChannel(SocketChannel ch) {
 *     closePolicy.installTcp(ch.pipeline());
 *     ch.pipeline().addLast(new MyProtocolHandler());
 * }
 * }</pre>
 *
 * <p>Thread-safety: all methods may be called from any thread; they run on the channel's event loop
 * (at once when called there, otherwise in order with the writes the caller issued before).
 */
public final class CloseControl {

    private CloseControl() {
    }

    /**
     * Retires the connection by the application's wish. Raw TCP: once everything written so far is
     * flushed, the policy's who and how apply (the protocol is assumed to have told the client, so a
     * client-first policy waits for its FIN). HTTP: the next response carries {@code Connection: close};
     * an idle connection is closed by the server (the client does not expect it). HTTP/2: a graceful
     * {@code GOAWAY} now, then the streams in flight finish and the policy's who and how apply.
     */
    public static void retire(Channel channel) {
        run(channel, new Op(Op.RETIRE, false));
    }

    /** As {@link #retire(Channel)}, for the handler's context. */
    public static void retire(ChannelHandlerContext ctx) {
        retire(Objects.requireNonNull(ctx, "ctx").channel());
    }

    /**
     * Raw TCP: one request/response exchange completed; the policy decides whether the connection is
     * reused (counting it towards max requests) or retired. The client is assumed to see the end of the
     * exchange by itself (a length, a delimiter). For HTTP channels the handler counts exchanges itself and
     * this does nothing.
     */
    public static void exchangeCompleted(Channel channel) {
        exchangeCompleted(channel, false);
    }

    /** As {@link #exchangeCompleted(Channel)}, for the handler's context. */
    public static void exchangeCompleted(ChannelHandlerContext ctx) {
        exchangeCompleted(Objects.requireNonNull(ctx, "ctx").channel());
    }

    /**
     * As {@link #exchangeCompleted(Channel)}; {@code endsAtEof} says that the client can only see the end
     * of the reply when the server closes (so a retirement ends with a prompt server FIN, never a wait for
     * the client or an RST).
     */
    public static void exchangeCompleted(Channel channel, boolean endsAtEof) {
        run(channel, new Op(Op.EXCHANGE, endsAtEof));
    }

    /**
     * Closes the connection now with a graceful close (FIN), bypassing the policy's who and how; the
     * close event reports {@code APPLICATION_ABORT}. Plain {@code channel.close()} goes through the policy.
     */
    public static void abort(Channel channel) {
        run(channel, new Op(Op.ABORT, false));
    }

    private static void run(Channel channel, Op op) {
        Objects.requireNonNull(channel, "channel");
        ChannelPipeline p = channel.pipeline();
        PolicyChannelHandler h = p.get(TcpCloseHandler.class);
        if (h == null) {
            h = p.get(ClosePolicyHandler.class);
        }
        if (h == null) {
            h = p.get(Http2ClosePolicyHandler.class);
        }
        ChannelHandlerContext ctx = h == null ? null : p.context(h);
        if (ctx == null) {
            return;
        }
        PolicyChannelHandler handler = h;
        EventExecutor executor = ctx.executor();
        Runnable task = () -> op.apply(handler);
        if (executor.inEventLoop()) {
            task.run();
        } else {
            try {
                executor.execute(task);
            } catch (RejectedExecutionException e) {
                // The event loop is shutting down and closes the channel itself.
            }
        }
    }

    private record Op(int kind, boolean endsAtEof) {
        static final int RETIRE = 0;
        static final int EXCHANGE = 1;
        static final int ABORT = 2;

        void apply(PolicyChannelHandler h) {
            switch (kind) {
                case RETIRE -> h.retireByApplication();
                case EXCHANGE -> h.exchangeCompleted(endsAtEof); // HTTP exchanges and streams: counted by the handler
                default -> h.abort();
            }
        }
    }
}
