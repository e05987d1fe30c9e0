package org.closepolicy.netty;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http2.DefaultHttp2GoAwayFrame;
import io.netty.handler.codec.http2.Http2Connection;
import io.netty.handler.codec.http2.Http2ConnectionAdapter;
import io.netty.handler.codec.http2.Http2DataFrame;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2FrameCodec;
import io.netty.handler.codec.http2.Http2GoAwayFrame;
import io.netty.handler.codec.http2.Http2Stream;
import org.closepolicy.Decision;
import org.closepolicy.HttpVersion;
import org.closepolicy.Protocol;
import org.closepolicy.Retire;
import org.closepolicy.RetireReason;
import org.closepolicy.Reuse;
import org.closepolicy.spi.DrainStep;
import org.closepolicy.spi.GoAwayDrain;

/**
 * Enforces a {@link org.closepolicy.ClosePolicy} on one HTTP/2 server connection (h2 over TLS with ALPN, or h2c
 * with prior knowledge). It goes right after the {@link Http2FrameCodec}, before the {@code Http2MultiplexHandler}:
 * <pre>{@code
 * NettyClosePolicy closePolicy = NettyClosePolicy.builder(ClosePolicy.parse("keep-alive, reuse.max-requests=1000")).build();
 * SslContext tls = SslContextBuilder.forServer(keyManagerFactory)
 *         .ciphers(Http2SecurityUtil.CIPHERS, SupportedCipherSuiteFilter.INSTANCE)
 *         .applicationProtocolConfig(new ApplicationProtocolConfig(Protocol.ALPN, SelectorFailureBehavior.NO_ADVERTISE,
 *                 SelectedListenerFailureBehavior.ACCEPT, ApplicationProtocolNames.HTTP_2, ApplicationProtocolNames.HTTP_1_1))
 *         .build();
 *
 * protected void initChannel(SocketChannel ch) {
 *     ch.pipeline().addLast(tls.newHandler(ch.alloc()), new ApplicationProtocolNegotiationHandler(ApplicationProtocolNames.HTTP_1_1) {
 *         protected void configurePipeline(ChannelHandlerContext ctx, String protocol) {
 *             if (ApplicationProtocolNames.HTTP_2.equals(protocol)) {
 *                 ctx.pipeline().addLast(Http2FrameCodecBuilder.forServer().build());
 *                 closePolicy.installHttp2(ctx.pipeline());                  // right after the codec
 *                 ctx.pipeline().addLast(new Http2MultiplexHandler(new MyStreamInitializer()));
 *             } else {
 *                 ctx.pipeline().addLast(new HttpServerCodec());
 *                 closePolicy.installHttp(ctx.pipeline());
 *                 ctx.pipeline().addLast(new MyHttp1Handler());
 *             }
 *         }
 *     });
 * }
 * }</pre>
 *
 * <p>Reuse decisions apply per connection. A request is a client stream: the policy is asked each time one
 * closes, and by the idle and maximum-age timers (idle means no open stream; an open stream counts as activity,
 * so the maximum age retires a busy connection too). Retiring is graceful:
 * <ol>
 *   <li>a {@code GOAWAY} ({@code NO_ERROR}) whose last-stream-id is the highest client stream received; streams
 *       the client opened after it are ignored by the codec, and clients retry them on a new connection;</li>
 *   <li>the streams in flight finish, bounded by {@link org.closepolicy.Retire#drainTimeout()}
 *       ({@code reuse.drain-timeout});</li>
 *   <li>then the policy's who and how run as for HTTP/1: client-first waits for the client's FIN (well-behaved
 *       clients close a connection that sent {@code GOAWAY} once its last stream ends), safe-reset answers that FIN
 *       with an RST, server-first closes. When the drain timeout cuts streams off, the server closes first in the
 *       way the policy uses when it cannot wait for the client.</li>
 * </ol>
 * The client's {@code GOAWAY} and an application's {@code close()} of the connection retire it the same way. The
 * close starts in front of the codec, so the codec's own graceful shutdown (a second {@code GOAWAY} and its own
 * timeout) does not run; with TLS in front the {@code close_notify} rules of {@link NettyClosePolicy} apply. After
 * the drain, frames written by streams are dropped and frames read are discarded and count toward the input bounds.
 *
 * <p>Every connection produces one {@link org.closepolicy.CloseEvent} with protocol {@code HTTP2}; its requests are
 * the client streams that closed, its byte counters the DATA payloads (headers and frame overhead are not counted).
 *
 * <p>JDK 17's {@code HttpClient} (checked with 17.0.15) fails every stream it has open when any {@code GOAWAY}
 * arrives and closes the connection at once, and a stream it opens while it handles the {@code GOAWAY} is never
 * answered. The {@code GOAWAY} leaves in the same flush as the end of the stream that retires the connection, but a
 * sequential client may still have sent its next request on the old connection: that request fails
 * ({@code IOException: GOAWAY received}, or its timeout) and has to be retried by the application. Clients that
 * follow RFC 9113 (Netty's, browsers, curl) finish the streams up to the last-stream-id and retry the others.
 *
 * <p>Not {@code @Sharable}: use one instance per channel.
 *
 * <p>Thread-safety: not thread-safe; confined to the channel's event loop.
 */
public final class Http2ClosePolicyHandler extends PolicyChannelHandler {

    /** The name under which {@link NettyClosePolicy#installHttp2} adds the handler. */
    public static final String NAME = "closePolicyHttp2";

    static final MisplacedHandlerWarning MISPLACED = new MisplacedHandlerWarning("Http2ClosePolicyHandler",
            "HTTP/2 frames (Http2HeadersFrame, Http2DataFrame)", PipelinePlace.HTTP2_FIX);

    private ChannelHandlerContext ctx;
    private Http2Connection h2;
    /** The client streams in flight and the decision carried out since the GOAWAY. */
    private final GoAwayDrain drain = new GoAwayDrain();
    private EventLoopTimer drainTimer; // the drain's deadline; made with the first GOAWAY
    private boolean drainPending;
    private ChannelHandlerContext codecCtx; // where closes start
    private boolean flushPending;

    @Override
    boolean busy() {
        return false; // streams do not block the timer: they count as activity instead (beforeTimerDecision)
    }

    @Override
    void retireOutsideExchange(Retire r) {
        goAway(r);
    }

    @Override
    void beforeTimerDecision(long now) {
        if (drain.inFlight() > 0) {
            conn.touch(now);
        }
    }

    @Override
    void draining() {
        // One graceful GOAWAY; the streams in flight finish, then the policy's close (as for max-age).
        conn.drainStep(DrainStep.GOAWAY);
        goAway(owner.runtime().retireAnnounced(conn, RetireReason.DRAIN, false));
    }

    /** Counts client streams and asks the policy when one closes; called by the codec on the event loop. */
    private final Http2Connection.Listener streams = new Http2ConnectionAdapter() {
        @Override
        public void onStreamActive(Http2Stream stream) {
            PolicyConnection c = conn;
            if (c != null && isClientStream(stream)) {
                drain.streamOpened(stream.id());
                c.onRequest(HttpVersion.HTTP_2, false, c.now());
            }
        }

        @Override
        public void onStreamClosed(Http2Stream stream) {
            if (conn != null && isClientStream(stream)) {
                streamClosed(drain.streamEnded(stream.id()));
            }
        }
    };

    Http2ClosePolicyHandler(NettyClosePolicy owner) {
        super(owner);
    }

    private boolean isClientStream(Http2Stream stream) {
        return h2.remote().isValidStreamId(stream.id());
    }

    // ---- lifecycle

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        super.handlerAdded(ctx);
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        if (h2 != null) {
            h2.removeListener(streams);
        }
    }

    @Override
    PolicyConnection open(ChannelHandlerContext ctx) {
        Http2FrameCodec codec = ctx.pipeline().get(Http2FrameCodec.class);
        if (codec == null) {
            throw new IllegalStateException("Http2ClosePolicyHandler goes after an Http2FrameCodec: " + ctx.pipeline().names());
        }
        h2 = codec.connection();
        h2.addListener(streams);
        codecCtx = ctx.pipeline().context(codec);
        return PolicyConnection.open(ctx, owner, Protocol.HTTP2, this);
    }

    /** Closes start in front of the codec: the drain is done here, the codec's graceful close must not run again. */
    @Override
    ChannelHandlerContext closeContext(ChannelHandlerContext own) {
        return codecCtx;
    }

    @Override
    void opened(ChannelHandlerContext ctx) {
        ProtocolBytesCounter.addBefore(ctx.pipeline(), ctx.pipeline().context(Http2FrameCodec.class).name(), this); // every frame, until retired
    }

    @Override
    void inactive() {
        cancelDrainTimer();
    }

    // ---- streams and retirement

    /** A client stream closed; {@code drained}: it was the last one of a drain whose GOAWAY is out. */
    private void streamClosed(boolean drained) {
        PolicyConnection c = conn;
        if (c.isClosed() || !ctx.channel().isActive()) {
            return; // the codec closes every stream when the channel goes
        }
        long now = c.now();
        c.onResponse(false, false, now);
        if (drain.draining()) {
            if (drained) {
                later();
            }
            return;
        }
        Decision d = c.decide(now);
        if (d instanceof Retire r) {
            goAway(r);
        } else {
            c.reused((Reuse) d, now);
        }
    }

    /**
     * Sends the graceful GOAWAY and starts the drain. The GOAWAY is written at once: when a stream's end retires
     * the connection, the codec is flushing that end, and the GOAWAY leaves in the same flush.
     */
    private void goAway(Retire r) {
        PolicyConnection c = conn;
        if (c.isRetired() || !drain.begin(r)) {
            return;
        }
        c.stopReuseChecks();
        c.keepReading();
        // The codec announces the highest client stream it created, which is the drain's last stream id.
        ctx.write(new DefaultHttp2GoAwayFrame(Http2Error.NO_ERROR));
        flushPending = true;
        if (!drain.goAwayWritten()) {
            if (drainTimer == null) {
                drainTimer = new EventLoopTimer(ctx, owner.runtime().ticker(), this::drainTimedOut);
            }
            drainTimer.schedule(drain.deadlineDelayNanos());
        }
        later();
    }

    /** Flushes and ends the drain outside the codec's callbacks (they may run inside its own flush). */
    private void later() {
        if (drainPending) {
            return;
        }
        drainPending = true;
        ctx.executor().execute(this::afterCallbacks);
    }

    private void afterCallbacks() {
        drainPending = false;
        if (flushPending) {
            flushPending = false;
            ctx.flush();
        }
        if (drain.drained()) {
            drained(drain.finish());
        }
    }

    /** Every stream in flight has finished (or the client has gone): the policy's who and how run now. */
    private void drained(Retire r) {
        cancelDrainTimer();
        if (!conn.isRetired()) {
            conn.retireAfterWrites(r);
        }
    }

    private void drainTimedOut() {
        if (conn.isRetired() || !drain.draining()) {
            return;
        }
        drained(drain.expire(owner.runtime(), conn));
    }

    private void cancelDrainTimer() {
        if (drainTimer != null) {
            drainTimer.cancel();
        }
    }

    // ---- inbound

    @Override
    void read(ChannelHandlerContext ctx, PolicyConnection c, Object msg) {
        if (msg instanceof ByteBuf) {
            MISPLACED.seen(ctx, msg);
        }
        long bytes = msg instanceof Http2DataFrame d ? d.content().readableBytes() : 0;
        if (c.isRetired()) {
            c.dropRead(msg, bytes);
            return;
        }
        if (bytes > 0) {
            c.touch(c.now()); // the bytes are counted before the codec (ProtocolBytesCounter)
        }
        if (msg instanceof Http2GoAwayFrame && !drain.draining()) {
            // The client is leaving: answer with our GOAWAY, drain, then wait for its FIN (or the policy's how).
            goAway(owner.runtime().retireAnnounced(c, RetireReason.CLIENT_REQUESTED, false));
        }
        ctx.fireChannelRead(msg);
    }

    @Override
    void peerFinWhileOpen(PolicyConnection c) {
        if (drain.draining()) {
            // The client closed during the drain: nothing more can be asked of it; close once writes are out.
            drained(drain.finish());
        } else {
            c.machine().onPeerFin();
        }
    }

    // ---- outbound

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        PolicyConnection.write(conn, ctx, msg, 0, promise); // bytes: counted by the ProtocolBytesCounter
    }

    @Override
    void closedByApplication(PolicyConnection c) {
        // The GOAWAY tells the client: the policy's own who and how apply once the streams have finished.
        goAway(owner.runtime().retireAnnounced(c, RetireReason.APPLICATION, false));
    }

    // ---- control

    /** {@link CloseControl#retire}: GOAWAY now, drain, then the policy's who and how. */
    @Override
    void retireByApplication() {
        if (conn != null && !conn.isRetired()) {
            goAway(owner.runtime().retireAnnounced(conn, RetireReason.APPLICATION, false));
        }
    }

    /** {@link CloseControl#abort}: a graceful close now, without draining. */
    @Override
    void abort() {
        if (conn != null) {
            cancelDrainTimer();
            conn.machine().abort();
        }
    }

    @Override
    String details() {
        return drain.draining() ? ", draining" : "";
    }
}
