package org.closepolicy.netty;

import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;

/**
 * Counts the bytes of the protocol stream (heads, framing and bodies) right before the protocol codec, after any
 * TLS: the connection's {@code bytesIn}/{@code bytesOut}, so that they mean on Netty what they mean on Jetty
 * (see {@link org.closepolicy.CloseEvent}). Added by the HTTP/1 and HTTP/2 policy handlers themselves.
 *
 * <p>Not {@code @Sharable}: one per channel. Thread-safety: confined to the channel's event loop.
 */
final class ProtocolBytesCounter extends ChannelDuplexHandler {

    /** The name under which the policy handlers add it. */
    static final String NAME = "closePolicyBytes";

    /** The policy handler whose connection the bytes are counted for. */
    private final PolicyChannelHandler owner;

    ProtocolBytesCounter(PolicyChannelHandler owner) {
        this.owner = owner;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        PolicyConnection c = owner.connection();
        if (c != null && owner.countsInput()) {
            long n = PolicyConnection.size(msg);
            if (n > 0) {
                c.addBytesIn(n, c.now());
            }
        }
        ctx.fireChannelRead(msg);
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        PolicyConnection c = owner.connection();
        if (c != null) {
            long n = PolicyConnection.size(msg);
            if (n > 0) {
                c.addBytesOut(n, c.now());
            }
        }
        ctx.write(msg, promise);
    }

    /** Puts a counter for {@code owner} right before the handler named {@code codec}, once. */
    static void addBefore(io.netty.channel.ChannelPipeline pipeline, String codec, PolicyChannelHandler owner) {
        if (pipeline.get(NAME) == null) {
            pipeline.addBefore(codec, NAME, new ProtocolBytesCounter(owner));
        }
    }

    @Override
    public String toString() {
        return "ProtocolBytesCounter";
    }
}
