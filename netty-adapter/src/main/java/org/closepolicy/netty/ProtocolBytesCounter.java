package org.closepolicy.netty;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandler;
import io.netty.channel.ChannelOutboundHandler;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.ChannelPromise;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import org.closepolicy.Load;
import org.closepolicy.Protocol;
import org.closepolicy.spi.ConnectionClose;
import org.closepolicy.spi.PeerMemory;

/**
 * Counts the bytes of the protocol stream (heads, framing and bodies) right before the protocol codec, after any
 * TLS: the connection's {@code bytesIn}/{@code bytesOut}, so that they mean on Netty what they mean on Jetty
 * (see {@link org.closepolicy.CloseEvent}). While the connection closes it also sees the raw input first: once
 * nothing more read can reach the application, it drops that input itself (counted toward the bounds of the close,
 * see {@link #dropsInput}) instead of letting the decoder consume or hold it back. The connection itself is this
 * handler (one object and one pipeline change per connection less), added by the HTTP/1 and HTTP/2 policy
 * handlers; every other event passes on unchanged.
 * <pre>{@code
 * ProtocolBytesCounter.addBefore(pipeline, codecName, connection);
 * }</pre>
 *
 * <p>Not sharable: one per channel. Thread-safety: confined to the channel's event loop.
 */
abstract class ProtocolBytesCounter extends ConnectionClose implements ChannelInboundHandler, ChannelOutboundHandler {

    /** The name under which the policy handlers add it. */
    static final String NAME = "closePolicyBytes";

    private boolean inPipeline;

    ProtocolBytesCounter(Protocol protocol, InetSocketAddress remote, InetSocketAddress local, long openedAtNanos, Load load,
            PeerMemory peers) {
        super(protocol, remote, local, openedAtNanos, load, peers);
    }

    /** Whether input read now still belongs to the protocol (not discarded raw at retirement). */
    abstract boolean countsInput();

    /**
     * Drops {@code msg}, raw input read while the connection closes, when nothing decoded from it could reach the
     * application any more (reported to the close as discarded input); false: it passes on.
     */
    abstract boolean dropsInput(Object msg);

    abstract long now();

    /** Whether the protocol handler marked the activity of every write that reaches this counter (no clock read here). */
    abstract boolean outputTouched();

    /** A flush passed on toward the socket has returned (what it could write is written). */
    abstract void flushed();

    /** Whether this counter is in its pipeline: every flush of the protocol's output then passes it. */
    final boolean inPipeline() {
        return inPipeline;
    }

    /** Puts {@code counter} right before the handler named {@code codec}, once. */
    static void addBefore(ChannelPipeline pipeline, String codec, ProtocolBytesCounter counter) {
        if (pipeline.get(NAME) == null) {
            pipeline.addBefore(codec, NAME, counter);
        }
    }

    /** Takes the counter out of a live pipeline (a closed channel's is torn down whole). */
    static void removeFrom(ChannelPipeline pipeline) {
        if (pipeline.channel().isOpen() && pipeline.get(NAME) != null) {
            pipeline.remove(NAME);
        }
    }

    @Override
    public final void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (dropsInput(msg)) {
            return;
        }
        if (countsInput()) {
            long n = Messages.size(msg);
            if (n > 0) {
                addBytesIn(n, now());
            }
        }
        ctx.fireChannelRead(msg);
    }

    @Override
    public final void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        long n = Messages.size(msg);
        if (n > 0) {
            addBytesOut(n, outputTouched() ? lastActivityNanos() : now());
        }
        ctx.write(msg, promise);
    }

    // ---- every other event passes on (Netty's adapters are classes, and the connection already extends one)

    @Override
    public final void flush(ChannelHandlerContext ctx) {
        ctx.flush();
        flushed();
    }

    @Override
    public final void handlerAdded(ChannelHandlerContext ctx) {
        inPipeline = true;
    }

    @Override
    public final void handlerRemoved(ChannelHandlerContext ctx) {
        inPipeline = false;
        flushed(); // no later flush passes here
    }

    @Override
    @SuppressWarnings("deprecation")
    public final void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.fireExceptionCaught(cause);
    }

    @Override
    public final void channelRegistered(ChannelHandlerContext ctx) {
        ctx.fireChannelRegistered();
    }

    @Override
    public final void channelUnregistered(ChannelHandlerContext ctx) {
        ctx.fireChannelUnregistered();
    }

    @Override
    public final void channelActive(ChannelHandlerContext ctx) {
        ctx.fireChannelActive();
    }

    @Override
    public final void channelInactive(ChannelHandlerContext ctx) {
        ctx.fireChannelInactive();
    }

    @Override
    public final void channelReadComplete(ChannelHandlerContext ctx) {
        ctx.fireChannelReadComplete();
    }

    @Override
    public final void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public final void channelWritabilityChanged(ChannelHandlerContext ctx) {
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public final void bind(ChannelHandlerContext ctx, SocketAddress local, ChannelPromise promise) {
        ctx.bind(local, promise);
    }

    @Override
    public final void connect(ChannelHandlerContext ctx, SocketAddress remote, SocketAddress local, ChannelPromise promise) {
        ctx.connect(remote, local, promise);
    }

    @Override
    public final void disconnect(ChannelHandlerContext ctx, ChannelPromise promise) {
        ctx.disconnect(promise);
    }

    @Override
    public final void close(ChannelHandlerContext ctx, ChannelPromise promise) {
        ctx.close(promise);
    }

    @Override
    public final void deregister(ChannelHandlerContext ctx, ChannelPromise promise) {
        ctx.deregister(promise);
    }

    @Override
    public final void read(ChannelHandlerContext ctx) {
        ctx.read();
    }
}
