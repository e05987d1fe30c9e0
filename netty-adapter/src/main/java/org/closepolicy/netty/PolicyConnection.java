package org.closepolicy.netty;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.util.ReferenceCountUtil;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.concurrent.RejectedExecutionException;
import org.closepolicy.CloseListener;
import org.closepolicy.CloseMode;
import org.closepolicy.ClosePolicies;
import org.closepolicy.Decision;
import org.closepolicy.Protocol;
import org.closepolicy.Retire;
import org.closepolicy.RetireReason;
import org.closepolicy.Reuse;
import org.closepolicy.spi.CloseStateMachine;
import org.closepolicy.spi.ConnectionClose;
import org.closepolicy.spi.ConnectionRegistry;
import org.closepolicy.spi.DrainStep;
import org.closepolicy.spi.DrainableConnection;

/**
 * The per-channel state the handlers share: it is the connection record the policy reads (its bytes counted before
 * the protocol codec by a {@link ProtocolBytesCounter}); it keeps the reuse check
 * (idle timeout and maximum age, in its event loop's {@link ReuseWheel}) that asks the policy again when it comes,
 * and, made at retirement, the close state machine and its transport.
 *
 * <p>Thread-safety: confined to the channel's event loop.
 */
final class PolicyConnection extends ConnectionClose implements Runnable, DrainableConnection {

    private static final long DEFAULT_IDLE_NANOS = ClosePolicies.keepAlive().defaults().reuse().idleTimeoutNanos();

    // The policy handler's context: the handler (what the protocol's state tells) is its ctx.handler() and the
    // transport its machine's, so a kept connection holds no reference to either.
    final ChannelHandlerContext ctx;
    // The reuse check's place in its event loop's ReuseWheel (touched only by the wheel and on the loop).
    PolicyConnection wheelPrev;
    PolicyConnection wheelNext;
    long wheelAt;
    byte wheelState = ReuseWheel.UNARMED;
    // The last reuse decision and its per-connection maximum-age deadline: the common case asks for the same
    // decision after every exchange, and the jittered deadline depends only on the connection.
    private Reuse armedReuse;
    private long armedRetireAt;
    private boolean ended;
    private boolean peerFin;
    private byte counting = NOT_COUNTED; // where the protocol bytes are counted
    private static final byte NOT_COUNTED = 0;
    private static final byte BY_HANDLER = 1; // a ProtocolBytesCounter of this connection is in the pipeline
    private static final byte AT_SOCKET = 2; // SocketByteCounts
    // Drain (event loop); since when and how long a quiet connection is given for a last request: the server's.
    private boolean draining;

    private PolicyConnection(ChannelHandlerContext ctx, NettyClosePolicy owner, Protocol protocol) {
        super(protocol, inet(ctx.channel().remoteAddress()), inet(ctx.channel().localAddress()), owner.runtime().ticker().nanos(),
                owner.runtime().load(), owner.runtime().peers());
        this.ctx = ctx;
        NettyTransport.allowHalfClosure(ctx.channel());
    }

    @Override
    protected CloseStateMachine newMachine() {
        NettyTransport t = new NettyTransport(ctx, host().closeContext(ctx), owner());
        CloseStateMachine m = new CloseStateMachine(t, this, owner().runtime().ticker(), owner().runtime().listener());
        t.bind(m);
        return m;
    }

    /** The policy handler of the connection's protocol (whose context {@link #ctx} is). */
    private PolicyChannelHandler host() {
        return (PolicyChannelHandler) ctx.handler();
    }

    /** The close's transport once the machine is made, else null. */
    private NettyTransport transport() {
        CloseStateMachine m = machineIfMade();
        return m == null ? null : (NettyTransport) m.transport();
    }

    /**
     * Starts tracking an active channel: counts it, tells the listener, arms the first idle check; {@code ctx} is
     * the context of the protocol's policy handler.
     */
    static PolicyConnection open(ChannelHandlerContext ctx, NettyClosePolicy owner, Protocol protocol) {
        PolicyConnection c = new PolicyConnection(ctx, owner, protocol);
        owner.runtime().load().opened();
        owner.runtime().connections().register(c);
        CloseListener listener = owner.runtime().listener();
        try {
            listener.onOpen(c);
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
            c.ensureTimer(now + c.idleNanos(), now);
        }
        return c;
    }

    private static InetSocketAddress inet(SocketAddress a) {
        return a instanceof InetSocketAddress i ? i : null;
    }

    /** The peer sent its FIN (the handler saw the {@code ChannelInputShutdownEvent}). */
    void peerFinArrived() {
        peerFin = true;
    }

    /**
     * The socket read the end of input ({@link SocketByteCounts}): when the transport waits for it to answer with an
     * RST ({@link NettyTransport#resetAtPeerFin()}), it is the peer's FIN, reported to the machine at once.
     */
    void endOfInputAtSocket() {
        NettyTransport t = transport();
        if (t != null && t.resetsAtPeerFin() && !isClosed()) {
            peerFinArrived();
            machine().onPeerFin();
            t.keepOpenAtPeerFin(); // when the RST waits for the ack check, Netty must not close at this end of input
        }
    }

    /** Whether the peer has sent its FIN. */
    boolean peerFinSeen() {
        return peerFin;
    }

    /** The server's policy, runtime and reuse wheels (the handler's). */
    NettyClosePolicy owner() {
        return host().owner;
    }

    /** Now, on the server's ticker. */
    long now() {
        return owner().runtime().ticker().nanos();
    }

    /** Whether input read now still belongs to the protocol (not discarded raw at retirement). */
    boolean countsInput() {
        return host().countsInput();
    }

    /**
     * Counts a message handed toward the socket (by the byte counter or at the socket). Its activity is the time the
     * protocol handler marked for it when that handler passes every write (HTTP/1): no clock read here.
     */
    void countOutput(Object msg) {
        long n = Messages.size(msg);
        if (n > 0) {
            addBytesOut(n, host().speaksHttp1() ? lastActivityNanos() : now());
        }
    }

    /** Whether a byte counter is in the pipeline: every read, write and flush of the protocol's stream passes it. */
    boolean counted() {
        return counting == BY_HANDLER;
    }

    void counted(boolean inPipeline) {
        counting = inPipeline ? BY_HANDLER : NOT_COUNTED;
    }

    /** The connection's bytes are counted where the socket reads and writes them ({@link SocketByteCounts}). */
    void countAtSocket() {
        counting = AT_SOCKET;
    }

    /** Whether {@link SocketByteCounts} counts the bytes now (not once a byte counter has taken over). */
    boolean countsAtSocket() {
        return counting == AT_SOCKET;
    }

    /**
     * The byte counter before the codec takes the counting over (raw input after retirement, a protocol upgrade);
     * with no codec left to put it before, nothing more is counted at the socket either.
     */
    void countByHandler(ClosePolicyHandler handler) {
        PipelinePlace.addHttp1BytesCounter(ctx.pipeline(), handler);
        if (counting == AT_SOCKET) {
            counting = NOT_COUNTED;
        }
    }

    /** Whether every read is counted, and marks the activity, before the protocol handler sees what was read. */
    boolean inputCounted() {
        return counting != NOT_COUNTED;
    }

    /**
     * Drops {@code msg}, raw input read while the connection closes, when nothing decoded from it could reach the
     * application any more (reported to the close as discarded input); false: it passes on.
     */
    boolean dropsInput(Object msg) {
        if (msg instanceof ByteBuf b && host().discardsInput(this)) {
            dropRead(msg, b.readableBytes());
            return true;
        }
        return false;
    }

    Decision decide(long now) {
        return owner().policy().decide(this, now);
    }

    /** The policy keeps the connection after an exchange. */
    void reused(Reuse reuse, long now) {
        CloseListener listener = owner().runtime().listener();
        try {
            listener.onReuse(this);
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
            armedRetireAt = reuse.retireAtNanos(this);
        }
        ensureTimer(Math.min(reuse.idleDeadline(this), armedRetireAt), now);
    }

    /** The idle timeout of the last reuse decision (the default one before any). */
    private long idleNanos() {
        Reuse r = armedReuse;
        return r == null ? DEFAULT_IDLE_NANOS : Math.max(1, Math.min(r.idleTimeoutNanos(), Long.MAX_VALUE / 4));
    }

    private void ensureTimer(long at, long now) {
        // Deadlines only move later; a check that comes early re-arms itself.
        if (wheelState == ReuseWheel.UNARMED || at - wheelAt < 0) {
            owner().reuseWheel(ctx.executor()).arm(this, at, now);
        }
    }

    /** Stops the idle and max-age checks (at retirement, or the channel left HTTP after a protocol upgrade). */
    void stopReuseChecks() {
        if (wheelState != ReuseWheel.UNARMED) {
            owner().reuseWheel(ctx.executor()).disarm(this);
        }
    }

    /** The idle / max-age check fired: ask the policy again. */
    @Override
    public void run() {
        if (ended || isRetired()) {
            return;
        }
        long now = now();
        PolicyChannelHandler host = host();
        if (draining && !host.busy() && host.closesWhenQuiet()) {
            closeIfQuiet(now);
            return;
        }
        if (host.busy()) {
            if (peerFin && now - lastActivityNanos() >= idleNanos()) {
                // The peer half-closed and nothing moved for an idle timeout: end it like an EOF-delimited exchange.
                host.retireOutsideExchange(owner().runtime().retireAtEndOfStream(this, false));
            } else {
                ensureTimer(now + idleNanos(), now);
            }
            return;
        }
        host.beforeTimerDecision(now);
        idle();
        Decision d = decide(now);
        if (d instanceof Retire r) {
            // HTTP/1 (not after an upgrade): nothing can tell the client now, and its next request may be on its
            // way; that request would be lost. Its response carries Connection: close instead (HTTP/2 has GOAWAY).
            if (r.reason() == RetireReason.MAX_AGE && protocol() == Protocol.HTTP1 && host.closesWhenQuiet()) {
                long quietAt = lastActivityNanos() + idleNanos();
                if (now - quietAt < 0) {
                    ensureTimer(quietAt, now); // the next response retires it, or the idle timeout below
                    return;
                }
                // Quiet for a whole idle timeout: close as an idle timeout does; the client was told nothing.
                r = owner().runtime().retireUnannounced(this, RetireReason.MAX_AGE, unreadInput());
            }
            host.retireOutsideExchange(r);
        } else {
            arm((Reuse) d, now);
        }
    }

    // ---- drain

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

    /**
     * Whether the server is draining: no response is reused from now on. True as soon as {@code drain()} has
     * returned, also before the drain's task has reached this connection on its event loop.
     */
    boolean draining() {
        return draining || owner().draining();
    }

    /** Tells the drain how this connection began to end (the first step counts; none before any drain began). */
    void drainStep(DrainStep step) {
        ConnectionRegistry.step(owner().connections(), draining(), id(), step);
    }

    private void startDraining(long idleGraceNanos) {
        if (ended || draining || isClosed()) {
            return;
        }
        draining = true;
        long now = now();
        owner().drainStarted(now, Math.max(0, idleGraceNanos));
        if (isRetired()) {
            return; // already closing the policy's way
        }
        PolicyChannelHandler host = host();
        host.draining();
        if (!isRetired() && !host.busy() && host.closesWhenQuiet()) {
            closeIfQuiet(now);
        }
    }

    /**
     * A draining connection with no request in flight: closed by the policy's idle retirement once nothing has
     * moved for the idle grace (since its last activity or the drain's start, whichever is later). A client that
     * sends meanwhile gets its response with {@code Connection: close}, which no idle close can race with.
     */
    private void closeIfQuiet(long now) {
        long drainStartedAt = owner().drainStartedAt();
        long quietAt = Math.max(lastActivityNanos() - drainStartedAt, 0) + drainStartedAt + owner().drainIdleGraceNanos();
        if (now - quietAt >= 0) {
            drainStep(DrainStep.IDLE_CLOSED);
            idle();
            host().retireOutsideExchange(owner().runtime().retireUnannounced(this, RetireReason.DRAIN, false));
        } else {
            ensureTimer(quietAt, now);
        }
    }

    /** Retires the connection; {@code flushed} tells whether everything written is already on the wire. */
    void retire(Retire r, boolean flushed) {
        drainStep(DrainStep.ANNOUNCED);
        stopReuseChecks();
        host().retiring();
        CloseStateMachine machine = machine();
        if (r.mode() == CloseMode.RST) {
            ((NettyTransport) machine.transport()).watchTlsReplies();
        }
        machine.retire(r, flushed);
        if (peerFin) {
            machine.onPeerFin();
        }
    }

    /**
     * Retires the connection in the write of its last response (not flushed yet): once the flush has passed the byte
     * counter (or, counted at the socket, in a task after it), the machine's flush bound is armed only if output is
     * still pending.
     */
    void retireInResponse(Retire r) {
        if (counting != NOT_COUNTED) {
            ((NettyTransport) machine().transport()).deferTimer();
            if (counting == AT_SOCKET) {
                ctx.executor().execute(this::flushed); // no counter sees the flush: a task after it ends the deferral
            }
        }
        retire(r, false);
    }

    /** A flush passed on toward the socket has returned: a deferred flush bound is armed if still wanted. */
    void flushed() {
        NettyTransport t = transport();
        if (t != null) {
            t.endTimerDeferral();
        }
    }

    /** Retires the connection once everything written so far is flushed. */
    void retireAfterWrites(Retire r) {
        retire(r, false);
        if (closeState() == CloseStateMachine.State.DRAINING_RESPONSE) {
            // An empty buffer completes after every earlier write: the HTTP encoder lets it through between messages.
            ctx.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(flushedListener());
        }
        keepReading();
    }

    /** The listener to add to the last write of the retiring exchange. */
    ChannelFutureListener flushedListener() {
        return this::onFlushed; // made at retirement: a kept connection does not carry it
    }

    private void onFlushed(ChannelFuture f) {
        if (f.isSuccess() || f.channel().isActive()) {
            machine().onResponseFlushed();
        }
    }

    /** Whether the connection is being closed by its own transport (or is closed): such a close must pass. */
    boolean closingItself() {
        NettyTransport t = transport();
        return isClosed() || t != null && t.closing();
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
        if (c != null && cause instanceof IOException && !c.isClosed()) {
            boolean open = !c.isRetired();
            c.machine().onPeerReset();
            if (!open) {
                return;
            }
        }
        ctx.fireExceptionCaught(cause);
    }

    /**
     * A handler's outbound write: passed on untouched before the policy runs ({@code c} null), dropped
     * once the connection is retired ({@link Messages#dropWrite}), else counted ({@code bytes}) and passed on.
     */
    static void write(PolicyConnection c, ChannelHandlerContext ctx, Object msg, long bytes, ChannelPromise promise) {
        if (c != null) {
            if (c.isRetired()) {
                Messages.dropWrite(msg, promise);
                return;
            }
            if (bytes > 0) {
                c.addBytesOut(bytes, c.now());
            }
        }
        ctx.write(msg, promise);
    }

    /** Drops input read after retirement and reports it to the machine (lingering bounds, input limit). */
    void dropRead(Object msg, long bytes) {
        ReferenceCountUtil.release(msg);
        machine().onInput(Math.max(1, bytes));
    }

    /** The channel closed (by the machine, the peer, or an I/O error). */
    void closed() {
        if (ended) {
            return;
        }
        ended = true;
        stopReuseChecks();
        NettyTransport t = transport();
        boolean atPeerFin = t != null && t.closedAtPeerFin();
        if (t != null) {
            t.channelClosed();
        }
        if (atPeerFin) {
            machine().onPeerFinClosed();
        } else {
            machine().onTransportClosed();
        }
        owner().runtime().load().closed();
    }
}
