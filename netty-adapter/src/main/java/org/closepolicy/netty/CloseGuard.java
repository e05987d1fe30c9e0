package org.closepolicy.netty;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.timeout.IdleStateHandler;
import java.util.Map;
import java.util.Objects;
import org.closepolicy.RetireReason;

/**
 * Routes a close issued in front of the {@link ClosePolicyHandler} through the policy. A handler that a framework
 * puts between the {@code HttpServerCodec} and the policy handler (Reactor Netty's idle-timeout handler is added
 * right after the codec whenever a connection goes idle) closes with {@code ctx.close()}, which never reaches the
 * policy handler; the guard sits right before the codec and hands such a close to the policy handler, which decides
 * who closes and how. The policy's own closes pass. A close while an {@code IdleStateHandler} sits between the
 * guard and the policy handler (Reactor's idle-timeout handler is there only while a connection waits for its next
 * request) retires the connection with {@link org.closepolicy.RetireReason#IDLE_TIMEOUT}; any other with
 * {@link org.closepolicy.RetireReason#APPLICATION}.
 * <pre>{@code
 * ch.pipeline().addLast("codec", new HttpServerCodec());
 * closePolicy.installHttp(ch.pipeline());
 * CloseGuard.install(ch.pipeline());     // head ... [CloseGuard] codec [idle handler] closePolicy ... tail
 * }</pre>
 *
 * <p>Not {@code @Sharable}: one per channel.
 *
 * <p>Thread-safety: not thread-safe; confined to the channel's event loop.
 */
public final class CloseGuard extends ChannelOutboundHandlerAdapter {

    /** The name under which {@link #install} adds the guard. */
    public static final String NAME = "closePolicyGuard";

    private CloseGuard() {
    }

    /**
     * Adds a guard right before the pipeline's {@code HttpServerCodec}, once; does nothing when the pipeline has
     * no codec or no {@link ClosePolicyHandler}, or already has a guard.
     *
     * @return whether a guard was added
     */
    public static boolean install(ChannelPipeline pipeline) {
        Objects.requireNonNull(pipeline, "pipeline");
        ChannelHandlerContext codec = pipeline.context(HttpServerCodec.class);
        if (codec == null || pipeline.get(ClosePolicyHandler.class) == null || pipeline.get(CloseGuard.class) != null) {
            return false;
        }
        pipeline.addBefore(codec.name(), NAME, new CloseGuard());
        return true;
    }

    @Override
    public void close(ChannelHandlerContext ctx, ChannelPromise promise) throws Exception {
        ChannelPipeline p = ctx.pipeline();
        ClosePolicyHandler handler = p.get(ClosePolicyHandler.class);
        ChannelHandlerContext handlerCtx = handler == null ? null : p.context(handler);
        PolicyConnection c = handler == null ? null : handler.connection();
        if (handlerCtx == null || c == null || c.closingItself()) {
            ctx.close(promise);
            return;
        }
        RetireReason reason = idleHandlerBetween(p, ctx.handler(), handler) ? RetireReason.IDLE_TIMEOUT : RetireReason.APPLICATION;
        handler.closeFromFront(handlerCtx, promise, reason);
    }

    /** Whether an {@code IdleStateHandler} sits between {@code from} and {@code to}. */
    private static boolean idleHandlerBetween(ChannelPipeline p, ChannelHandler from, ChannelHandler to) {
        boolean between = false;
        for (Map.Entry<String, ChannelHandler> e : p) {
            ChannelHandler h = e.getValue();
            if (h == to) {
                return false;
            }
            if (between && h instanceof IdleStateHandler) {
                return true;
            }
            between |= h == from;
        }
        return false;
    }

    @Override
    public String toString() {
        return "CloseGuard";
    }
}
