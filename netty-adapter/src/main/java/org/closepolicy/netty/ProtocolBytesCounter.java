package org.closepolicy.netty;

import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.ChannelPromise;

/**
 * Counts the bytes of the protocol stream (heads, framing and bodies) right before the protocol codec, after any
 * TLS: the connection's {@code bytesIn}/{@code bytesOut}, so that they mean on Netty what they mean on Jetty
 * (see {@link org.closepolicy.CloseEvent}). While the connection closes it also sees the raw input first: once
 * nothing more read can reach the application, the connection drops that input here (counted toward the bounds
 * of the close, see {@link PolicyConnection#dropsInput}) instead of letting the decoder consume or hold it back.
 * It handles reads, writes and flushes only: Netty passes every other event by it without a call.
 * <pre>{@code
 * ProtocolBytesCounter.addBefore(pipeline, codecName, connection);
 * }</pre>
 *
 * <p>Not sharable: one per channel. Thread-safety: confined to the channel's event loop.
 */
final class ProtocolBytesCounter extends ChannelDuplexHandler {

    /** The name under which the policy handlers add it. */
    static final String NAME = "closePolicyBytes";

    private final PolicyConnection conn;

    private ProtocolBytesCounter(PolicyConnection conn) {
        this.conn = conn;
    }

    /** Puts a counter for {@code conn} right before the handler named {@code codec}, once. */
    static void addBefore(ChannelPipeline pipeline, String codec, PolicyConnection conn) {
        if (pipeline.get(NAME) == null) {
            pipeline.addBefore(codec, NAME, new ProtocolBytesCounter(conn));
        }
    }

    /** Takes the counter out of a live pipeline (a closed channel's is torn down whole). */
    static void removeFrom(ChannelPipeline pipeline) {
        if (pipeline.channel().isOpen() && pipeline.get(NAME) != null) {
            pipeline.remove(NAME);
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        PolicyConnection c = conn;
        if (c.dropsInput(msg)) {
            return;
        }
        if (c.countsInput()) {
            long n = Messages.size(msg);
            if (n > 0) {
                c.addBytesIn(n, c.now());
            }
        }
        ctx.fireChannelRead(msg);
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        conn.countOutput(msg);
        ctx.write(msg, promise);
    }

    @Override
    public void flush(ChannelHandlerContext ctx) {
        ctx.flush();
        conn.flushed();
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        conn.counted(true);
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        conn.counted(false);
        conn.flushed(); // no later flush passes here
    }

    @Override
    public String toString() {
        return "ProtocolBytesCounter[" + conn.id() + "]";
    }
}
