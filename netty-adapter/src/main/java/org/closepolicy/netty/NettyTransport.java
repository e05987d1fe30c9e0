package org.closepolicy.netty;

import io.netty.channel.Channel;
import io.netty.channel.ChannelConfig;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOption;
import io.netty.channel.socket.DuplexChannel;
import io.netty.channel.socket.DuplexChannelConfig;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.concurrent.RejectedExecutionException;
import org.closepolicy.kernel.AckResult;
import org.closepolicy.spi.AckCheck;
import org.closepolicy.spi.CloseStateMachine;
import org.closepolicy.spi.StepTimer;
import org.closepolicy.spi.TimedTransport;
import org.closepolicy.spi.Transport;

/**
 * The {@link Transport} of one Netty channel. Every method runs on the handler's executor (the
 * channel's event loop); timers and ack results come back to it.
 * <ul>
 *   <li>{@code close}: a close that starts at the close context (the handler's own, or the HTTP/2 codec's, so
 *       that the codec's own graceful shutdown does not run a second time) and passes an {@code SslHandler} in
 *       front of it, which sends {@code close_notify} before the FIN;</li>
 *   <li>{@code shutdownOutput}: {@code close_notify} first when TLS is in front (see {@link Tls}), then
 *       {@link DuplexChannel#shutdownOutput()} (a plain close for other channels);</li>
 *   <li>{@code reset}: {@code SO_LINGER 0}, then close, both on the event loop (never {@code SO_LINGER > 0},
 *       which moves the close to a blocking thread); with TLS the close starts in front of the {@code SslHandler},
 *       so no {@code close_notify} is sent: an RST discards it anyway, and the peer has either closed already
 *       (rule 0) or acknowledged every byte of the response (rule 1);</li>
 *   <li>{@code watchAcks}: the shared {@link org.closepolicy.kernel.AckWatcher} through an {@link AckCheck} (send queue of the 4-tuple), results hopped
 *       back with {@code execute};</li>
 *   <li>{@code unacknowledged}: {@code TCP_INFO} of the socket's descriptor (epoll; NIO where it can be read),
 *       else one {@code sock_diag} query (see {@link Unacknowledged});
 *       over TLS, bytes the TLS layer wrote in answer to the client's last bytes (its {@code close_notify} reply)
 *       do not count (see {@link TlsReplyWatch}).</li>
 * </ul>
 * Closes go through the handler's own context, so they do not pass the handler's close interception.
 *
 * <p>Thread-safety: confined to the channel's event loop.
 */
final class NettyTransport extends TimedTransport {

    private final ChannelHandlerContext ctx;
    private final ChannelHandlerContext closeCtx;
    private final NettyClosePolicy owner;
    private ChannelHandlerContext tls;
    private boolean tlsLooked;
    private TlsReplyWatch tlsReplies;
    private CloseStateMachine machine;
    private final StepTimer<ScheduledFuture<?>> timer;
    private AckCheck acks; // made by the first ack check: most connections never need one
    private boolean closed;
    /** Half-closure was turned off for the wait for the peer's FIN: Netty closes at the end of input by itself. */
    private boolean closesAtPeerFin;
    /** Half-closure was turned off: the socket's read of the end of input reports the FIN, to be answered with an RST. */
    private boolean resetsAtPeerFin;

    NettyTransport(ChannelHandlerContext ctx, ChannelHandlerContext closeCtx, NettyClosePolicy owner) {
        this.ctx = ctx;
        this.closeCtx = closeCtx;
        this.owner = owner;
        this.timer = new EventLoopTimer(ctx, owner.runtime().ticker(), this::onTimer);
    }

    /** The context of the {@code SslHandler} in front of the close context, or null; looked up at the first close. */
    private ChannelHandlerContext tls() {
        if (!tlsLooked) {
            tlsLooked = true;
            tls = Tls.contextBefore(closeCtx);
        }
        return tls == null || tls.isRemoved() ? null : tls;
    }

    void bind(CloseStateMachine m) {
        this.machine = m;
    }

    @Override
    public void shutdownOutput() {
        Channel ch = ctx.channel();
        if (!(ch instanceof DuplexChannel duplex)) {
            close();
            return;
        }
        ChannelHandlerContext t = tls();
        if (t == null) {
            shutdownOutput(duplex);
        } else {
            // A FIN without close_notify is a truncation attack to a TLS peer: end the TLS stream first.
            Tls.closeOutbound(t).addListener(f -> shutdownOutput(duplex));
        }
    }

    private static void shutdownOutput(DuplexChannel duplex) {
        if (duplex.isActive() && !duplex.isOutputShutdown()) {
            duplex.shutdownOutput();
        }
    }

    @Override
    public void close() {
        released();
        closeCtx.close();
    }

    @Override
    public void reset() {
        released();
        try {
            ctx.channel().config().setOption(ChannelOption.SO_LINGER, 0);
        } catch (RuntimeException e) {
            // Already closed, or a channel without SO_LINGER: a plain close is all that is left.
        }
        ChannelHandlerContext t = tls();
        (t != null ? t : closeCtx).close();
    }

    /** Whether {@link #close} or {@link #reset} has run. */
    boolean closing() {
        return closed;
    }

    /**
     * Without half-closure Netty closes the channel itself when it reads the end of input: no
     * {@code shutdown(SHUT_RD)}, no {@code ChannelInputShutdownEvent} through the pipeline, no close of ours. Only
     * where a plain close is all that is left to do: HTTP/1 (not after a protocol upgrade), not under TLS (its
     * stream ends with {@code close_notify} through the pipeline first).
     */
    @Override
    public void closeAtPeerFin() {
        if (halfClosureOffForHttp1()) {
            closesAtPeerFin = true;
        }
    }

    /**
     * For an RST in reply to the client's FIN, where the bytes are counted at the socket ({@link SocketByteCounts}):
     * half-closure is turned off, and the allocator's read of the end of input reports the FIN to the machine,
     * which resets the channel before Netty would shut the input down ({@code shutdown(SHUT_RD)}) and pass a
     * {@code ChannelInputShutdownEvent} through the pipeline; Netty's own close at that end then finds the channel
     * closed. Only for HTTP/1 without TLS, as {@link #closeAtPeerFin()}.
     */
    @Override
    public void resetAtPeerFin() {
        if (ctx.handler() instanceof PolicyChannelHandler h && h.connection() != null && h.connection().countsAtSocket()
                && halfClosureOffForHttp1()) {
            resetsAtPeerFin = true;
        }
    }

    /**
     * Turns half-closure off for the wait for the peer's FIN, where Netty's own handling of the end of input is then
     * all that is needed: HTTP/1 (not after a protocol upgrade), not under TLS (its stream ends with
     * {@code close_notify} through the pipeline first), on an open channel that had it on. Whether it did.
     */
    private boolean halfClosureOffForHttp1() {
        if (!closed && ctx.handler() instanceof PolicyChannelHandler h && h.speaksHttp1() && tls() == null
                && ctx.channel().config() instanceof DuplexChannelConfig config && config.isAllowHalfClosure()) {
            config.setAllowHalfClosure(false);
            return true;
        }
        return false;
    }

    /**
     * Rule 0 needs the peer's FIN as an event: without half-closure Netty closes on EOF by itself. Set only when
     * not set yet (the install methods set it before the connection opens).
     */
    static void allowHalfClosure(Channel ch) {
        ChannelConfig config = ch.config();
        if (config instanceof DuplexChannelConfig duplex) {
            if (!duplex.isAllowHalfClosure()) {
                duplex.setAllowHalfClosure(true);
            }
            return;
        }
        try {
            config.setOption(ChannelOption.ALLOW_HALF_CLOSURE, true);
        } catch (RuntimeException e) {
            // Not a socket channel: closes still work, only the peer's FIN is not seen.
        }
    }

    /**
     * The machine answered the peer's FIN read at the socket with an ack check rather than the RST: half-closure
     * goes back on, so that Netty shuts the input down instead of closing the channel at this end of input.
     */
    void keepOpenAtPeerFin() {
        if (!closed) {
            resetsAtPeerFin = false;
            allowHalfClosure(ctx.channel());
        }
    }

    /** Whether the end of input read at the socket is the peer's FIN to report (see {@link #resetAtPeerFin()}). */
    boolean resetsAtPeerFin() {
        return resetsAtPeerFin && !closed;
    }

    /** Whether the channel closed by itself at the peer's FIN (see {@link #closeAtPeerFin()}), not by a close of ours. */
    boolean closedAtPeerFin() {
        return closesAtPeerFin && !closed && !ctx.executor().isShuttingDown();
    }

    private void released() {
        closed = true;
        if (acks != null) {
            acks.cancel();
        }
    }

    @Override
    protected StepTimer<?> timer() {
        return timer;
    }

    /** The machine's timer fired. */
    private void onTimer() {
        machine.onTimer();
    }

    @Override
    public void watchAcks(long timeoutNanos) {
        Channel ch = ctx.channel();
        if (acks == null) {
            acks = new AckCheck();
        }
        acks.start(owner.runtime().ackWatcher(), ch.localAddress(), ch.remoteAddress(), timeoutNanos, this::later);
    }

    private void later(int generation, AckResult result) {
        EventExecutor executor = ctx.executor();
        try {
            executor.execute(() -> {
                if (!closed) {
                    acks.settle(generation, result, machine);
                }
            });
        } catch (RejectedExecutionException e) {
            // The event loop is shutting down; it closes the channel itself.
        }
    }

    /** Over TLS: the client answers the server's {@code close_notify} with its own. */
    @Override
    public boolean peerAnswersClose() {
        return tls() != null;
    }

    @Override
    public long unacknowledged() {
        long unacked = Unacknowledged.of(ctx.channel());
        return unacked > 0 && tlsReplies != null && tlsReplies.onlyTlsAnswerInFlight() ? 0 : unacked;
    }

    /**
     * The connection retires with an RST in reply to the client's FIN: over TLS, watch for the TLS layer's own
     * answer to the client's {@code close_notify}, so that it does not read as an unacknowledged response.
     */
    void watchTlsReplies() {
        ChannelHandlerContext t = tls();
        if (t != null && tlsReplies == null && machine != null) {
            tlsReplies = new TlsReplyWatch(machine);
            ctx.pipeline().addBefore(t.name(), TlsReplyWatch.NAME, tlsReplies);
        }
    }

    /** The channel is gone: drop the timer and the ack watch. */
    void channelClosed() {
        released();
        cancelTimer();
    }
}
