package org.closepolicy.netty;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufHolder;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import org.closepolicy.Decision;
import org.closepolicy.Protocol;
import org.closepolicy.Retire;
import org.closepolicy.RetireReason;
import org.closepolicy.Reuse;

/**
 * Enforces a {@link org.closepolicy.ClosePolicy} on a connection that speaks a protocol other than
 * HTTP. It goes first in the pipeline, so that it sees the raw bytes and can discard input after
 * retirement; the application tells it where exchanges end with {@link CloseControl}:
 * <pre>{@code
 * NettyClosePolicy closePolicy = NettyClosePolicy.builder(ClosePolicies.clientFirst()).build(); // one per server
 *
 * b.childHandler(new ChannelInitializer<SocketChannel>() {
 *     protected void initChannel(SocketChannel ch) {
 *         closePolicy.installTcp(ch.pipeline());                  // first in the pipeline
 *         ch.pipeline().addLast(new LineBasedFrameDecoder(8192), new MyLineHandler());
 *     }
 * });
 *
 * // in MyLineHandler, after writing a reply:
 * CloseControl.exchangeCompleted(ctx);   // ask the policy: reuse, or retire (who / how)
 * // or, when the protocol says the conversation is over:
 * CloseControl.retire(ctx);              // the client was told; let it close first (client-first presets)
 * }</pre>
 *
 * <p>Retirement waits until everything written so far is flushed, then carries out who closes first and
 * how, exactly as for HTTP; input read after retirement is discarded (and bounded), writes after it fail.
 * An application's {@code close()} is treated as the end of a stream the client reads until EOF: a prompt
 * server FIN (see {@link CloseControl#abort} for an immediate close). The peer's FIN is passed on as a
 * {@code ChannelInputShutdownEvent} (half-closure is turned on); if the application does not retire the
 * connection while handling it, the connection closes passively once pending writes are flushed.
 *
 * <p>Not {@code @Sharable}: use one instance per channel.
 *
 * <p>Thread-safety: not thread-safe; confined to the channel's event loop ({@link CloseControl} hops there).
 */
public final class TcpCloseHandler extends PolicyChannelHandler {

    /** The name under which {@link NettyClosePolicy#installTcp} adds the handler. */
    public static final String NAME = "closePolicyTcp";

    static final MisplacedHandlerWarning MISPLACED = new MisplacedHandlerWarning("TcpCloseHandler",
            "bytes (ByteBuf) straight from the socket or the SslHandler",
            "install it before any decoder: closePolicy.installTcp(pipeline) puts it first, or right after the SslHandler");

    /** Raw TCP has no exchange state of its own: input and output are cut by the machine's state alone. */
    @Override
    boolean busy() {
        return false;
    }

    @Override
    void retireOutsideExchange(Retire r) {
        conn.retireAfterWrites(r);
    }

    @Override
    void draining() {
        // The application's hook: it can say goodbye in its protocol and call CloseControl.retire.
        conn.ctx.fireUserEventTriggered(DrainingEvent.INSTANCE);
    }

    TcpCloseHandler(NettyClosePolicy owner) {
        super(owner);
    }

    @Override
    PolicyConnection open(ChannelHandlerContext ctx) {
        return PolicyConnection.open(ctx, owner, Protocol.TCP);
    }

    @Override
    void read(ChannelHandlerContext ctx, PolicyConnection c, Object msg) {
        if (!(msg instanceof ByteBuf || msg instanceof ByteBufHolder)) {
            MISPLACED.seen(ctx, msg);
        }
        long bytes = Messages.size(msg);
        if (c.isRetired()) {
            c.dropRead(msg, bytes);
            return;
        }
        c.addBytesIn(bytes, c.now());
        ctx.fireChannelRead(msg);
    }

    @Override
    void peerFinWhileOpen(PolicyConnection c) {
        // Netty's own behaviour without half-closure is to close at EOF; do so once pending writes are out.
        c.retireAfterWrites(owner.runtime().retireAnnounced(c, RetireReason.CLIENT_REQUESTED, false));
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        PolicyConnection.write(conn, ctx, msg, Messages.size(msg), promise);
    }

    @Override
    void closedByApplication(PolicyConnection c) {
        if (!c.isRetired()) {
            c.retireAfterWrites(owner.runtime().retireAtEndOfStream(c, false));
        }
    }

    // ---- control

    /** {@link CloseControl#exchangeCompleted}: one exchange is done; ask the policy. */
    @Override
    void exchangeCompleted(boolean endsAtEof) {
        PolicyConnection c = conn;
        if (c == null || c.isRetired()) {
            return;
        }
        long now = c.now();
        c.onResponse(endsAtEof, false, now);
        Decision d = c.decide(now);
        if (d instanceof Retire r) {
            c.retireAfterWrites(r);
        } else {
            c.reused((Reuse) d, now);
        }
    }

    /** {@link CloseControl#retire}: the application ended the conversation (and told the client). */
    @Override
    void retireByApplication() {
        PolicyConnection c = conn;
        if (c == null || c.isRetired()) {
            return;
        }
        c.retireAfterWrites(owner.runtime().retireAnnounced(c, RetireReason.APPLICATION, false));
    }

    /** {@link CloseControl#abort}: a graceful close now. */
    @Override
    void abort() {
        if (conn != null) {
            conn.machine().abort();
        }
    }
}
