package org.closepolicy.netty;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufHolder;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelConfig;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPromise;
import io.netty.channel.FileRegion;
import io.netty.channel.socket.DuplexChannelConfig;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.channels.ClosedChannelException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import org.closepolicy.CloseListener;
import org.closepolicy.CloseMode;
import org.closepolicy.ClosePolicies;
import org.closepolicy.Decision;
import org.closepolicy.Protocol;
import org.closepolicy.Retire;
import org.closepolicy.RetireReason;
import org.closepolicy.Reuse;
import org.closepolicy.spi.CloseStateMachine;
import org.closepolicy.spi.ConnectionRecord;
import org.closepolicy.spi.ConnectionRegistry;
import org.closepolicy.spi.DrainStep;
import org.closepolicy.spi.DrainableConnection;

/**
 * The per-channel state both handlers share: the connection record the policy reads, the close
 * state machine, the transport, and the reuse timer (idle timeout and maximum age) that asks the
 * policy again when it fires.
 *
 * <p>Thread-safety: confined to the channel's event loop.
 */
final class PolicyConnection implements Runnable, DrainableConnection {

    /** What the owning handler tells the connection about the protocol's state. */
    interface Host {
        /** Whether a request is being served: the idle timer must not retire the connection now. */
        boolean busy();

        /**
         * The policy retires the connection outside an exchange (idle or max-age timer): stop passing input and
         * output, and carry out {@code r} (HTTP/1 and TCP: {@link #retireAfterWrites}; HTTP/2: {@code GOAWAY} first).
         */
        void retireOutsideExchange(Retire r);

        /** The connection is being retired (before the machine starts closing); nothing by default. */
        default void retiring() {
        }

        /** Called before the timer asks the policy; HTTP/2 counts open streams as activity here. */
        default void beforeTimerDecision(long now) {
        }

        /**
         * The server began to drain (on the event loop). HTTP/2 sends its {@code GOAWAY} here, raw TCP tells the
         * application; HTTP/1 needs nothing more: its next response retires, the quiet timer closes it when idle.
         */
        default void draining() {
        }

        /** Whether a quiet connection is closed by the drain's idle grace (not after a protocol upgrade). */
        default boolean closesWhenQuiet() {
            return true;
        }
    }

    private static final long DEFAULT_IDLE_NANOS = ClosePolicies.keepAlive().defaults().reuse().idleTimeoutNanos();
    private static final ClosedChannelException RETIRED = retiredException();

    final ChannelHandlerContext ctx;
    final NettyClosePolicy owner;
    final ConnectionRecord record;
    final CloseStateMachine machine;
    private final NettyTransport transport;
    private final Host host;
    private ChannelFutureListener flushed; // made at retirement: a kept connection does not carry it
    private ScheduledFuture<?> reuseTimer;
    private long reuseTimerAt;
    private long idleNanos = DEFAULT_IDLE_NANOS;
    // The last reuse decision and its per-connection maximum-age deadline: the common case asks for the same
    // decision after every exchange, and the jittered deadline depends only on the connection.
    private Reuse armedReuse;
    private long armedRetireAt;
    private boolean ended;
    private boolean peerFin;
    // Drain (event loop): since when, and how long a quiet connection is given for a last request.
    private boolean draining;
    private long drainStartedAt;
    private long drainIdleGraceNanos;

    private PolicyConnection(ChannelHandlerContext ctx, ChannelHandlerContext closeCtx, NettyClosePolicy owner, Protocol protocol,
            Host host) {
        this.ctx = ctx;
        this.owner = owner;
        this.host = host;
        Channel ch = ctx.channel();
        allowHalfClosure(ch);
        long now = owner.runtime().ticker().nanos();
        this.record = new ConnectionRecord(protocol, inet(ch.remoteAddress()), inet(ch.localAddress()), now, owner.runtime().load(),
                owner.runtime().peers());
        this.transport = new NettyTransport(ctx, closeCtx, owner);
        this.machine = new CloseStateMachine(transport, record, owner.runtime().ticker(), owner.runtime().listener());
        transport.bind(machine);
    }

    /** Starts tracking an active channel: counts it, tells the listener, arms the first idle check. */
    static PolicyConnection open(ChannelHandlerContext ctx, NettyClosePolicy owner, Protocol protocol, Host host) {
        return open(ctx, ctx, owner, protocol, host);
    }

    /** As {@link #open(ChannelHandlerContext, NettyClosePolicy, Protocol, Host)}; closes start at {@code closeCtx}. */
    static PolicyConnection open(ChannelHandlerContext ctx, ChannelHandlerContext closeCtx, NettyClosePolicy owner,
            Protocol protocol, Host host) {
        PolicyConnection c = new PolicyConnection(ctx, closeCtx, owner, protocol, host);
        owner.runtime().load().opened();
        owner.runtime().connections().register(c);
        CloseListener listener = owner.runtime().listener();
        try {
            listener.onOpen(c.record);
        } catch (RuntimeException e) {
            CloseListener.Safely.run(listener, () -> {
                throw e;
            });
        }
        long now = c.now();
        Decision d = c.decide(now);
        if (d instanceof Reuse reuse) {
            c.arm(reuse, now);
        } else {
            // A policy that retires before any request is asked again when the default idle time has passed.
            c.ensureTimer(now + c.idleNanos, now);
        }
        return c;
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

    private static InetSocketAddress inet(SocketAddress a) {
        return a instanceof InetSocketAddress i ? i : null;
    }

    /** The peer sent its FIN (the handler saw the {@code ChannelInputShutdownEvent}). */
    void peerFinArrived() {
        peerFin = true;
    }

    /** Whether the peer has sent its FIN. */
    boolean peerFinSeen() {
        return peerFin;
    }

    long now() {
        return owner.runtime().ticker().nanos();
    }

    Decision decide(long now) {
        return owner.policy().decide(record, now);
    }

    /** The policy keeps the connection after an exchange. */
    void reused(Reuse reuse, long now) {
        CloseListener listener = owner.runtime().listener();
        try {
            listener.onReuse(record);
        } catch (RuntimeException e) {
            CloseListener.Safely.run(listener, () -> {
                throw e;
            });
        }
        arm(reuse, now);
    }

    private void arm(Reuse reuse, long now) {
        if (reuse != armedReuse) {
            armedReuse = reuse;
            armedRetireAt = reuse.retireAtNanos(record);
            idleNanos = Math.max(1, Math.min(reuse.idleTimeoutNanos(), Long.MAX_VALUE / 4));
        }
        ensureTimer(Math.min(reuse.idleDeadline(record), armedRetireAt), now);
    }

    private void ensureTimer(long at, long now) {
        if (reuseTimer != null) {
            // Deadlines only move later; a check that comes early re-arms itself.
            if (at - reuseTimerAt >= 0) {
                return;
            }
            reuseTimer.cancel(false);
        }
        reuseTimerAt = at;
        long delay = Math.max(0, at - now);
        reuseTimer = ctx.executor().schedule(this, Math.min(delay, TimeUnit.DAYS.toNanos(365)), TimeUnit.NANOSECONDS);
    }

    private void cancelReuseTimer() {
        if (reuseTimer != null) {
            reuseTimer.cancel(false);
            reuseTimer = null;
        }
    }

    /** Stops the idle and max-age checks (the channel left HTTP, e.g. after a protocol upgrade). */
    void stopReuseChecks() {
        cancelReuseTimer();
    }

    /** The idle / max-age check fired: ask the policy again. */
    @Override
    public void run() {
        reuseTimer = null;
        if (ended || machine.isRetired()) {
            return;
        }
        long now = now();
        if (draining && !host.busy() && host.closesWhenQuiet()) {
            closeIfQuiet(now);
            return;
        }
        if (host.busy()) {
            if (peerFin && now - record.lastActivityNanos() >= idleNanos) {
                // The peer half-closed and nothing moved for an idle timeout: end it like an EOF-delimited exchange.
                host.retireOutsideExchange(owner.runtime().retireAtEndOfStream(record, false));
            } else {
                ensureTimer(now + idleNanos, now);
            }
            return;
        }
        host.beforeTimerDecision(now);
        record.idle();
        Decision d = decide(now);
        if (d instanceof Retire r) {
            // HTTP/1 (not after an upgrade): nothing can tell the client now, and its next request may be on its
            // way; that request would be lost. Its response carries Connection: close instead (HTTP/2 has GOAWAY).
            if (r.reason() == RetireReason.MAX_AGE && record.protocol() == Protocol.HTTP1 && host.closesWhenQuiet()) {
                long quietAt = record.lastActivityNanos() + idleNanos;
                if (now - quietAt < 0) {
                    ensureTimer(quietAt, now); // the next response retires it, or the idle timeout below
                    return;
                }
                // Quiet for a whole idle timeout: close as an idle timeout does; the client was told nothing.
                r = owner.runtime().retireUnannounced(record, RetireReason.MAX_AGE, record.unreadInput());
            }
            host.retireOutsideExchange(r);
        } else {
            arm((Reuse) d, now);
        }
    }

    // ---- drain

    @Override
    public long id() {
        return record.id();
    }

    @Override
    public void drain(long idleGraceNanos) {
        onEventLoop(() -> startDraining(idleGraceNanos));
    }

    @Override
    public void cut() {
        onEventLoop(() -> CloseControl.abort(ctx.channel()));
    }

    private void onEventLoop(Runnable task) {
        try {
            ctx.executor().execute(task);
        } catch (RejectedExecutionException e) {
            // The event loop is shutting down and closes the channel itself.
        }
    }

    /** Whether the server is draining: no response is reused from now on. */
    boolean draining() {
        return draining;
    }

    /** Tells the drain how this connection began to end (the first step counts). */
    void drainStep(DrainStep step) {
        ConnectionRegistry.step(owner.connections(), draining, record.id(), step);
    }

    private void startDraining(long idleGraceNanos) {
        if (ended || draining || machine.isClosed()) {
            return;
        }
        draining = true;
        long now = now();
        drainStartedAt = now;
        drainIdleGraceNanos = Math.max(0, idleGraceNanos);
        if (machine.isRetired()) {
            return; // already closing the policy's way
        }
        host.draining();
        if (!machine.isRetired() && !host.busy() && host.closesWhenQuiet()) {
            closeIfQuiet(now);
        }
    }

    /**
     * A draining connection with no request in flight: closed by the policy's idle retirement once nothing has
     * moved for the idle grace (since its last activity or the drain's start, whichever is later). A client that
     * sends meanwhile gets its response with {@code Connection: close}, which no idle close can race with.
     */
    private void closeIfQuiet(long now) {
        long quietAt = Math.max(record.lastActivityNanos() - drainStartedAt, 0) + drainStartedAt + drainIdleGraceNanos;
        if (now - quietAt >= 0) {
            drainStep(DrainStep.IDLE_CLOSED);
            record.idle();
            host.retireOutsideExchange(owner.runtime().retireUnannounced(record, RetireReason.DRAIN, false));
        } else {
            ensureTimer(quietAt, now);
        }
    }

    /** Retires the connection; {@code flushed} tells whether everything written is already on the wire. */
    void retire(Retire r, boolean flushed) {
        drainStep(DrainStep.ANNOUNCED);
        cancelReuseTimer();
        host.retiring();
        if (r.mode() == CloseMode.RST) {
            transport.watchTlsReplies();
        }
        machine.retire(r, flushed);
        if (peerFin) {
            machine.onPeerFin();
        }
    }

    /** Retires the connection once everything written so far is flushed. */
    void retireAfterWrites(Retire r) {
        retire(r, false);
        if (machine.state() == CloseStateMachine.State.DRAINING_RESPONSE) {
            // An empty buffer completes after every earlier write: the HTTP encoder lets it through between messages.
            ctx.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(flushedListener());
        }
        keepReading();
    }

    /** The listener to add to the last write of the retiring exchange. */
    ChannelFutureListener flushedListener() {
        if (flushed == null) {
            flushed = this::onFlushed;
        }
        return flushed;
    }

    private void onFlushed(ChannelFuture f) {
        if (f.isSuccess() || f.channel().isActive()) {
            machine.onResponseFlushed();
        }
    }

    /** Whether the connection is being closed by its own transport (or is closed): such a close must pass. */
    boolean closingItself() {
        return machine.isClosed() || transport.closing();
    }

    /** After retirement the peer's FIN must be read even if the application paused reading. */
    void keepReading() {
        Channel ch = ctx.channel();
        if (!ch.config().isAutoRead()) {
            ch.config().setAutoRead(true);
        }
    }

    /**
     * An exception on the channel: an I/O error is the peer's reset (or a failed read), which ends the connection;
     * the application sees it only while the connection was not retired. Others pass on unchanged.
     */
    static void exceptionCaught(PolicyConnection c, ChannelHandlerContext ctx, Throwable cause) {
        if (c != null && cause instanceof IOException && !c.machine.isClosed()) {
            boolean open = !c.machine.isRetired();
            c.machine.onPeerReset();
            if (!open) {
                return;
            }
        }
        ctx.fireExceptionCaught(cause);
    }

    /** Completes an application's close promise when the channel really closes. */
    static void completeOnClose(ChannelHandlerContext ctx, ChannelPromise promise) {
        if (promise.isVoid()) {
            return;
        }
        ctx.channel().closeFuture().addListener(f -> promise.trySuccess());
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

    /**
     * A handler's outbound write: passed on untouched before the policy runs ({@code c} null), dropped
     * once the connection is retired ({@link #dropWrite}), else counted ({@code bytes}) and passed on.
     */
    static void write(PolicyConnection c, ChannelHandlerContext ctx, Object msg, long bytes, ChannelPromise promise) {
        if (c != null) {
            if (c.machine.isRetired()) {
                dropWrite(msg, promise);
                return;
            }
            if (bytes > 0) {
                c.record.addBytesOut(bytes, c.now());
            }
        }
        ctx.write(msg, promise);
    }

    /** Drops input read after retirement and reports it to the machine (lingering bounds, input limit). */
    void dropRead(Object msg, long bytes) {
        ReferenceCountUtil.release(msg);
        machine.onInput(Math.max(1, bytes));
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

    /** The channel closed (by the machine, the peer, or an I/O error). */
    void closed() {
        if (ended) {
            return;
        }
        ended = true;
        cancelReuseTimer();
        boolean atPeerFin = transport.closedAtPeerFin();
        transport.channelClosed();
        if (atPeerFin) {
            machine.onPeerFinClosed();
        } else {
            machine.onTransportClosed();
        }
        owner.runtime().load().closed();
    }

    private static ClosedChannelException retiredException() {
        ClosedChannelException e = new ClosedChannelException() {
            @Override
            public synchronized Throwable fillInStackTrace() {
                return this;
            }

            @Override
            public String getMessage() {
                return "write dropped: the connection was retired by its close policy";
            }
        };
        return e;
    }
}
