package org.closepolicy.netty;

import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import org.closepolicy.Retire;
import org.closepolicy.RetireReason;

/**
 * What the three close-policy handlers ({@link TcpCloseHandler}, {@link ClosePolicyHandler},
 * {@link Http2ClosePolicyHandler}) do alike: open the {@link PolicyConnection} once the channel is active and
 * registered, pass the peer's FIN to it, route an application's {@code close()} through the policy, end the
 * connection with the channel, and answer {@link CloseControl}. Each handler adds only its protocol.
 *
 * <p>Thread-safety: not thread-safe; confined to the channel's event loop.
 */
abstract class PolicyChannelHandler extends ChannelDuplexHandler {

    final NettyClosePolicy owner;
    /** The connection, or null before the channel is active. */
    PolicyConnection conn;
    /** Why an application's close retires a connection between exchanges (see {@link #closeFromFront}). */
    RetireReason closeReason = RetireReason.APPLICATION;

    PolicyChannelHandler(NettyClosePolicy owner) {
        this.owner = owner;
    }

    /** A message read once the connection is open. */
    abstract void read(ChannelHandlerContext ctx, PolicyConnection c, Object msg);

    /** Opens the connection for an active channel; called once. */
    abstract PolicyConnection open(ChannelHandlerContext ctx);

    /** After {@link #open}: the connection is set. Nothing by default. */
    void opened(ChannelHandlerContext ctx) {
    }

    /**
     * The peer's FIN arrived on a connection that is neither retired nor closed (the machine already knows of it
     * when it is retired).
     */
    abstract void peerFinWhileOpen(PolicyConnection c);

    /** Passes the peer's FIN event on (HTTP/1 may hold it behind pipelined requests). */
    void passPeerFin(ChannelHandlerContext ctx, Object evt) {
        ctx.fireUserEventTriggered(evt);
    }

    /** The application closed the channel of a connection that is not closed yet. */
    abstract void closedByApplication(PolicyConnection c);

    /** The channel went inactive; before the connection ends. Nothing by default. */
    void inactive() {
    }

    /** {@link CloseControl#retire}. */
    abstract void retireByApplication();

    /** {@link CloseControl#exchangeCompleted}: nothing by default (HTTP exchanges are counted by the handler). */
    void exchangeCompleted(boolean endsAtEof) {
    }

    /** {@link CloseControl#abort}: a graceful close now. */
    abstract void abort();

    /** The connection, or null before the channel is active (for tests and CloseControl). */
    // ---- what the connection asks the handler about the protocol's state (on the event loop)

    /** Whether a request is being served: the idle timer must not retire the connection now. */
    abstract boolean busy();

    /**
     * The policy retires the connection outside an exchange (idle or max-age timer): stop passing input and
     * output, and carry out {@code r} (HTTP/1 and TCP: {@link PolicyConnection#retireAfterWrites}; HTTP/2:
     * {@code GOAWAY} first).
     */
    abstract void retireOutsideExchange(Retire r);

    /** The connection is being retired (before the machine starts closing); nothing by default. */
    void retiring() {
    }

    /** Called before the timer asks the policy; HTTP/2 counts open streams as activity here. */
    void beforeTimerDecision(long now) {
    }

    /**
     * The server began to drain (on the event loop). HTTP/2 sends its {@code GOAWAY} here, raw TCP tells the
     * application; HTTP/1 needs nothing more: its next response retires, the quiet timer closes it when idle.
     */
    void draining() {
    }

    /** Whether input read now is counted by the byte counter: not once it is read only to be discarded while closing. */
    boolean countsInput() {
        PolicyConnection c = conn;
        return c != null && !c.isRetired();
    }

    /**
     * Whether raw input read now is dropped before the protocol codec ({@link ProtocolBytesCounter}): nothing
     * decoded from it could reach the application any more. Never by default.
     */
    boolean discardsInput(PolicyConnection c) {
        return false;
    }

    /**
     * Whether the connection speaks HTTP/1 through this handler (not after a protocol upgrade). Then every write
     * that reaches the byte counter ({@link ProtocolBytesCounter}) passed this handler first, which marked the
     * activity (the counter reads no clock), and Netty may close a retired connection by itself at the client's
     * FIN. Not by default.
     */
    boolean speaksHttp1() {
        return false;
    }

    /** Where the connection's closes start: the handler's own context, unless a codec in front must see them. */
    ChannelHandlerContext closeContext(ChannelHandlerContext own) {
        return own;
    }

    /** Whether a quiet connection is closed by the drain's idle grace (not after a protocol upgrade). */
    boolean closesWhenQuiet() {
        return true;
    }

    final PolicyConnection connection() {
        return conn;
    }

    private void start(ChannelHandlerContext ctx) {
        if (conn == null) {
            conn = open(ctx);
            opened(ctx);
        }
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        if (ctx.channel().isActive() && ctx.channel().isRegistered()) {
            start(ctx);
        }
    }

    @Override
    public void channelRegistered(ChannelHandlerContext ctx) throws Exception {
        if (ctx.channel().isActive()) {
            start(ctx);
        }
        super.channelRegistered(ctx);
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
        start(ctx);
        super.channelActive(ctx);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        inactive();
        if (conn != null) {
            conn.closed();
        }
        super.channelInactive(ctx);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        PolicyConnection c = conn;
        if (c == null) {
            ctx.fireChannelRead(msg); // not active yet: nothing to enforce
            return;
        }
        read(ctx, c, msg);
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        PolicyConnection c = conn;
        if (evt instanceof ChannelInputShutdownEvent && c != null) {
            c.peerFinArrived();
            passPeerFin(ctx, evt);
            if (c.isClosed()) {
                return;
            }
            if (c.isRetired()) {
                c.machine().onPeerFin();
            } else {
                peerFinWhileOpen(c);
            }
            return;
        }
        super.userEventTriggered(ctx, evt);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        PolicyConnection.exceptionCaught(conn, ctx, cause);
    }

    @Override
    public void close(ChannelHandlerContext ctx, ChannelPromise promise) {
        PolicyConnection c = conn;
        if (c == null || c.isClosed()) {
            ctx.close(promise);
            return;
        }
        closedByApplication(c);
        Messages.completeOnClose(ctx, promise);
    }

    /**
     * A close issued by a handler in front of this one, handed over by the {@link CloseGuard}: as an application's
     * close, with {@code reason} when it retires a connection between exchanges (an idle-timeout handler's close is
     * {@link RetireReason#IDLE_TIMEOUT}).
     */
    final void closeFromFront(ChannelHandlerContext ctx, ChannelPromise promise, RetireReason reason) {
        closeReason = reason;
        try {
            close(ctx, promise);
        } finally {
            closeReason = RetireReason.APPLICATION;
        }
    }

    @Override
    public String toString() {
        return getClass().getSimpleName() + "[" + (conn == null ? "not active" : conn.machineIfMade() == null ? "OPEN" : conn.machineIfMade()) + details() + "]";
    }

    /** What {@link #toString()} adds after the machine; nothing by default. */
    String details() {
        return "";
    }
}
