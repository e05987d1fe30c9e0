package org.closepolicy.netty;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.ChannelConfig;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.MaxMessagesRecvByteBufAllocator;
import io.netty.channel.MessageSizeEstimator;
import io.netty.channel.RecvByteBufAllocator;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.util.UncheckedBooleanSupplier;
import java.util.Map;

/**
 * Counts the bytes of a cleartext HTTP/1 connection where the transport reads and writes them, with no handler in
 * the pipeline: the input where the transport reports each read's size to the channel's receive-buffer allocator,
 * the output where it sizes each message it is handed (the channel's {@link MessageSizeEstimator}). When the
 * {@code HttpServerCodec} is the pipeline's first handler, these are exactly the bytes a {@link ProtocolBytesCounter}
 * before the codec would count, and a kept request passes one handler less. It wraps the allocator and estimator
 * the channel was configured with and changes nothing of what they do.
 * <pre>{@code
 * SocketByteCounts.install(pipeline, handler);   // at install time, before the channel reads or writes
 * SocketByteCounts.counts(pipeline, handler);    // when the connection opens: whether it counts this channel
 * }</pre>
 * The {@link ProtocolBytesCounter} takes over (and this stops counting) when raw input arrives after retirement, to
 * drop it before the codec, and at a protocol upgrade. Output is counted only on the event loop: a write made
 * from another thread is sized twice by Netty, once when it is queued and once when the transport takes it.
 *
 * <p>Thread-safety: the allocator and estimator calls come from the channel's event loop (a queued write's sizing
 * from another thread counts nothing); {@link #install} on the thread that sets the pipeline up.
 */
final class SocketByteCounts implements MaxMessagesRecvByteBufAllocator, RecvByteBufAllocator.ExtendedHandle,
        MessageSizeEstimator, MessageSizeEstimator.Handle {

    private final RecvByteBufAllocator allocator;
    private final RecvByteBufAllocator.Handle reads;
    private final MessageSizeEstimator.Handle sizes;
    private final ClosePolicyHandler handler;

    private SocketByteCounts(ChannelConfig config, ClosePolicyHandler handler) {
        this.allocator = config.getRecvByteBufAllocator();
        this.reads = allocator.newHandle();
        this.sizes = config.getMessageSizeEstimator().newHandle();
        this.handler = handler;
    }

    /**
     * Counts at the socket for {@code handler} when the channel is a TCP socket whose pipeline starts with the
     * {@code HttpServerCodec}; otherwise changes nothing (the byte counter before the codec will count).
     */
    static void install(ChannelPipeline pipeline, ClosePolicyHandler handler) {
        if (pipeline.channel() instanceof SocketChannel && codecFirst(pipeline)) {
            ChannelConfig config = pipeline.channel().config();
            SocketByteCounts counts = new SocketByteCounts(config, handler);
            config.setRecvByteBufAllocator(counts);
            config.setMessageSizeEstimator(counts);
        }
    }

    /** Whether the channel counts {@code handler}'s bytes at the socket: installed, and the codec still comes first. */
    static boolean counts(ChannelPipeline pipeline, ClosePolicyHandler handler) {
        ChannelConfig config = pipeline.channel().config();
        return config.getRecvByteBufAllocator() instanceof SocketByteCounts s && s.handler == handler
                && config.getMessageSizeEstimator() == s && codecFirst(pipeline);
    }

    /**
     * Whether the pipeline starts with the HTTP codec: only handlers that pass every byte untouched may come before
     * it (a channel initializer still running its init, a {@link CloseGuard}, which handles closes only).
     */
    private static boolean codecFirst(ChannelPipeline pipeline) {
        for (Map.Entry<String, ChannelHandler> e : pipeline) {
            if (!(e.getValue() instanceof ChannelInitializer) && !(e.getValue() instanceof CloseGuard)) {
                return e.getValue() instanceof HttpServerCodec;
            }
        }
        return false;
    }

    // ---- the counting

    private void read(int bytes) {
        PolicyConnection c = handler.connection();
        if (bytes < 0 && c != null) {
            c.endOfInputAtSocket(); // before Netty acts on the end of input
            return;
        }
        if (bytes == 0 || c == null || !c.countsAtSocket()) {
            return;
        }
        if (c.isRetired()) {
            c.countByHandler(handler); // input while closing: the counter counts or drops this read and later ones
            return;
        }
        c.addBytesIn(bytes, c.now());
    }

    private void written(Object msg) {
        PolicyConnection c = handler.connection();
        if (c != null && c.countsAtSocket() && c.ctx.executor().inEventLoop()) {
            c.countOutput(msg);
        }
    }

    // ---- RecvByteBufAllocator, MessageSizeEstimator: one handle per channel, this

    @Override
    public SocketByteCounts newHandle() {
        return this;
    }

    @Override
    public int maxMessagesPerRead() {
        return maxMessages().maxMessagesPerRead();
    }

    @Override
    public MaxMessagesRecvByteBufAllocator maxMessagesPerRead(int maxMessagesPerRead) {
        maxMessages().maxMessagesPerRead(maxMessagesPerRead);
        return this;
    }

    private MaxMessagesRecvByteBufAllocator maxMessages() {
        if (allocator instanceof MaxMessagesRecvByteBufAllocator m) {
            return m;
        }
        throw new IllegalStateException("the channel's RecvByteBufAllocator " + allocator
                + " is not a MaxMessagesRecvByteBufAllocator");
    }

    // ---- MessageSizeEstimator.Handle

    @Override
    public int size(Object msg) {
        written(msg);
        return sizes.size(msg);
    }

    // ---- RecvByteBufAllocator.ExtendedHandle: the channel's own handle does the work

    @Override
    public void lastBytesRead(int bytes) {
        reads.lastBytesRead(bytes);
        read(bytes);
    }

    @Override
    public ByteBuf allocate(ByteBufAllocator alloc) {
        return reads.allocate(alloc);
    }

    @Override
    public int guess() {
        return reads.guess();
    }

    @Override
    public void reset(ChannelConfig config) {
        reads.reset(config);
    }

    @Override
    public void incMessagesRead(int numMessages) {
        reads.incMessagesRead(numMessages);
    }

    @Override
    public int lastBytesRead() {
        return reads.lastBytesRead();
    }

    @Override
    public void attemptedBytesRead(int bytes) {
        reads.attemptedBytesRead(bytes);
    }

    @Override
    public int attemptedBytesRead() {
        return reads.attemptedBytesRead();
    }

    @Override
    public boolean continueReading() {
        return reads.continueReading();
    }

    @Override
    public boolean continueReading(UncheckedBooleanSupplier maybeMoreDataSupplier) {
        return reads instanceof RecvByteBufAllocator.ExtendedHandle e
                ? e.continueReading(maybeMoreDataSupplier) : reads.continueReading();
    }

    @Override
    public void readComplete() {
        reads.readComplete();
    }

    @Override
    public String toString() {
        return "SocketByteCounts[" + allocator + "]";
    }
}
