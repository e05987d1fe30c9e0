package org.closepolicy.netty;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.ChannelPromise;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.ChannelInputShutdownReadComplete;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpRequestDecoder;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseEncoder;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.LastHttpContent;
import java.util.Map;
import org.closepolicy.ClosePolicy;
import org.closepolicy.Decision;
import org.closepolicy.HttpVersion;
import org.closepolicy.Protocol;
import org.closepolicy.Retire;
import org.closepolicy.RetireReason;
import org.closepolicy.Reuse;

/**
 * Enforces a {@link ClosePolicy} on one HTTP/1.x server connection. It replaces Netty's
 * {@code HttpServerKeepAliveHandler} and goes right after the {@code HttpServerCodec}:
 * <pre>{@code
 * NettyClosePolicy closePolicy = NettyClosePolicy.builder(ClosePolicies.safeReset()).build(); // one per server
 *
 * ServerBootstrap b = new ServerBootstrap()
 *         .group(group)
 *         .channel(NioServerSocketChannel.class)
 *         .childHandler(new ChannelInitializer<SocketChannel>() {
 *             protected void initChannel(SocketChannel ch) {
 *                 ch.pipeline().addLast(new HttpServerCodec());
 *                 closePolicy.installHttp(ch.pipeline());          // or: ClosePolicyHandler.install(ch.pipeline(), policy)
 *                 ch.pipeline().addLast(new HttpObjectAggregator(1 << 20), new MyHandler());
 *             }
 *         });
 * String json = closePolicy.stats().toJson();
 * }</pre>
 *
 * <p>What it does on the connection:
 * <ul>
 *   <li>counts requests and asks the policy after every response head; a retiring response gets
 *       {@code Connection: close}, a reused HTTP/1.0 keep-alive response {@code Connection: keep-alive};</li>
 *   <li>keeps pipelined responses in request order whatever the application does: a pipelined request is passed
 *       on only once the response to the one before is complete (held meanwhile, within the bounds of
 *       {@link NettyClosePolicy.Builder#maxPipelinedRequests} and {@link NettyClosePolicy.Builder#maxPipelinedBytes});
 *       the retiring response is the one to the request it answers, it is announced with {@code Connection: close},
 *       the connection retires once it is flushed, and requests held behind it or arriving later are discarded
 *       unanswered (responses the application still writes are dropped, their write futures fail). See
 *       "Pipelining" in {@link NettyClosePolicy};</li>
 *   <li>runs the idle-timeout and maximum-age checks on the event loop and asks the policy again when they fire;</li>
 *   <li>turns on {@code ALLOW_HALF_CLOSURE} so that the client's FIN arrives as a {@code ChannelInputShutdownEvent}
 *       (it is passed on), then carries out who closes first and how (FIN, lingering, RST in reply to the
 *       client's FIN, RST only after every byte is acknowledged);</li>
 *   <li>an application's {@code close()} does not bypass the policy: after a response marked
 *       {@code Connection: close} it waits for the planned close; on an idle connection the server closes first
 *       in the way the policy uses when it cannot wait for the client; during an exchange it closes at once with a
 *       FIN (the client can only see the end at EOF). Use {@link CloseControl#abort} for an immediate close;</li>
 *   <li>a response without {@code Content-Length} or chunked encoding ends with a prompt server FIN: such clients
 *       wait for EOF; an HTTP/1.0 exchange that ends the connection with a length is closed as the core decides
 *       from what the server learned about the peer ({@code close.http10-first}, {@code close.eof-probe});</li>
 *   <li>after a {@code 101 Switching Protocols} response, or an h2c prior-knowledge switch
 *       ({@code CleartextHttp2ServerUpgradeHandler}), it only passes messages on.</li>
 * </ul>
 * Every connection produces exactly one {@link org.closepolicy.CloseEvent}. The byte counters of the
 * connection view count the HTTP bytes, heads included, as a small handler named {@code closePolicyBytes} right
 * before the codec sees them (after TLS), as the Jetty adapter does.
 *
 * <p>While closing, the bounds on input (lingering time, silence and bytes; the input limit of the client-first
 * wait) apply to the raw bytes read from the socket: when the connection retires, the handler adds a small
 * inbound handler named {@link #INPUT_NAME} right before the HTTP decoder, which, once nothing more read can reach the application,
 * discards the input itself instead of letting the decoder consume or hold it back.
 *
 * <p>Not {@code @Sharable}: use one instance per channel.
 *
 * <p>Thread-safety: not thread-safe; confined to the channel's event loop.
 */
public final class ClosePolicyHandler extends ChannelDuplexHandler {

    /** The name under which {@link NettyClosePolicy#installHttp} adds the handler. */
    public static final String NAME = "closePolicy";

    /** The name of the companion handler that sees the raw input before the HTTP decoder. */
    public static final String INPUT_NAME = "closePolicyInput";

    private static final String PRIOR_KNOWLEDGE_EVENT =
            "io.netty.handler.codec.http2.CleartextHttp2ServerUpgradeHandler$PriorKnowledgeUpgradeEvent";

    private static final int HTTP_10 = 1;
    private static final int KEEP_ALIVE = 2;
    private static final int HEAD = 4;
    private static final int BAD = 8;
    /** A response nobody asked for is treated as an answer to a keep-alive HTTP/1.1 request. */
    private static final int UNSOLICITED = KEEP_ALIVE;

    static final MisplacedHandlerWarning MISPLACED = new MisplacedHandlerWarning("ClosePolicyHandler",
            "decoded HTTP messages (HttpRequest, HttpContent)", PipelinePlace.HTTP1_FIX);

    // Where the request body the decoder delivers now goes.
    private static final int BODY_PASSED = 0;
    private static final int BODY_HELD = 1;
    private static final int BODY_DROPPED = 2;

    private final NettyClosePolicy owner;
    private final PipeliningGate pipelining;
    private final Runnable passHeld = this::passHeld;
    private PolicyConnection conn;

    // Requests passed to the application whose response has not started, oldest first.
    private int[] requests = new int[4];
    private int requestsHead;
    private int requestsSize;

    private boolean requestBodyOpen;
    private int bodyRoute = BODY_PASSED;
    private boolean passHeldScheduled;
    private boolean responseOpen;
    private boolean responseInformational;
    private boolean responseRetiring;
    /** The retiring response is written (or the connection retired between exchanges): drop everything else. */
    private boolean done;
    private boolean peerFin;
    private boolean upgraded;
    private boolean retireRequested;

    /** What the connection asks the handler about the HTTP exchange in progress. */
    private final PolicyConnection.Host host = new PolicyConnection.Host() {
        @Override
        public boolean busy() {
            return ClosePolicyHandler.this.busy();
        }

        @Override
        public boolean peerFinSeen() {
            return peerFin;
        }

        @Override
        public void retireOutsideExchange(Retire r) {
            done = true;
            conn.retireAfterWrites(r);
        }

        @Override
        public void retiring() {
            // Held requests are never answered on a retiring connection: the client retries them elsewhere.
            pipelining.clear();
            addRawInput(conn.ctx);
        }

        @Override
        public boolean closesWhenQuiet() {
            return !upgraded; // after a protocol upgrade the application owns the conversation: cut at the deadline
        }
    };

    /** Sees the raw bytes before the HTTP decoder; discards them once the application can get no more input. */
    private final ChannelHandler rawInput = new ChannelInboundHandlerAdapter() {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            PolicyConnection c = conn;
            if (c != null && msg instanceof ByteBuf b && discardsInput(c)) {
                // Nothing decoded from now on is passed on: count the raw bytes (bounds and activity) and drop them.
                c.dropRead(msg, b.readableBytes());
                return;
            }
            ctx.fireChannelRead(msg);
        }

        @Override
        public String toString() {
            return "ClosePolicyHandler.Input";
        }
    };

    ClosePolicyHandler(NettyClosePolicy owner) {
        this.owner = owner;
        this.pipelining = new PipeliningGate(owner.maxPipelinedRequests(), owner.maxPipelinedBytes());
    }

    /**
     * Adds a handler for {@code policy} right after the pipeline's {@code HttpServerCodec} (replacing an
     * {@code HttpServerKeepAliveHandler}), and turns on half-closure. All calls with the same policy
     * instance share one {@link NettyClosePolicy}; build one yourself to set a listener or read stats.
     * <pre>{@code
     * protected void initChannel(SocketChannel ch) {
     *     ch.pipeline().addLast(new HttpServerCodec());
     *     ClosePolicyHandler.install(ch.pipeline(), ClosePolicies.clientFirst());
     *     ch.pipeline().addLast(new MyHandler());
     * }
     * }</pre>
     */
    public static void install(ChannelPipeline pipeline, ClosePolicy policy) {
        NettyClosePolicy.sharedFor(policy).installHttp(pipeline);
    }

    // ---- lifecycle

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        if (ctx.channel().isActive() && ctx.channel().isRegistered()) {
            start(ctx);
        }
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        pipelining.clear();
        ChannelPipeline p = ctx.pipeline();
        if (p.context(rawInput) != null) {
            p.remove(rawInput);
        }
        if (p.get(ProtocolBytesCounter.NAME) != null) {
            p.remove(ProtocolBytesCounter.NAME);
        }
    }

    /**
     * Puts {@link #rawInput} right before the HTTP decoder that feeds this handler, if there is one. Done when the
     * connection retires, not before: the reused connection's reads then pass one handler fewer.
     */
    private void addRawInput(ChannelHandlerContext ctx) {
        ChannelPipeline p = ctx.pipeline();
        if (p.context(rawInput) != null) {
            return;
        }
        String decoder = null;
        for (Map.Entry<String, ChannelHandler> e : p) {
            ChannelHandler h = e.getValue();
            if (h == this) {
                break;
            }
            if (decoder == null && (h instanceof HttpServerCodec || h instanceof HttpRequestDecoder)) {
                decoder = e.getKey();
            }
        }
        if (decoder != null) {
            p.addBefore(decoder, uniqueInputName(p), rawInput);
        }
    }

    private static String uniqueInputName(ChannelPipeline p) {
        String name = INPUT_NAME;
        for (int i = 1; p.context(name) != null; i++) {
            name = INPUT_NAME + "#" + i;
        }
        return name;
    }

    /**
     * Whether raw input can be discarded before decoding: the connection is retired and everything decoded from
     * now on would be dropped anyway (no request body still owed to the application, no protocol upgrade).
     */
    private boolean discardsInput(PolicyConnection c) {
        return !upgraded && c.machine.isRetired() && !c.machine.isClosed() && (done || !requestBodyOpen || bodyRoute != BODY_PASSED);
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

    private void start(ChannelHandlerContext ctx) {
        if (conn == null) {
            conn = PolicyConnection.open(ctx, owner, Protocol.HTTP1, host);
            String codec = firstCodecBefore(ctx.pipeline());
            if (codec != null) {
                ProtocolBytesCounter.addBefore(ctx.pipeline(), codec, bytesOwner);
            }
        }
    }

    /** What the byte counter before the codec counts for. */
    private final ProtocolBytesCounter.Owner bytesOwner = new ProtocolBytesCounter.Owner() {
        @Override
        public PolicyConnection connection() {
            return conn;
        }

        @Override
        public boolean countsInput() {
            return conn != null && !discardsInput(conn);
        }
    };

    /** The first HTTP codec handler before this one (where the protocol bytes are), or null. */
    private String firstCodecBefore(ChannelPipeline p) {
        for (Map.Entry<String, ChannelHandler> e : p) {
            ChannelHandler h = e.getValue();
            if (h == this) {
                return null;
            }
            if (h instanceof HttpServerCodec || h instanceof HttpRequestDecoder || h instanceof HttpResponseEncoder) {
                return e.getKey();
            }
        }
        return null;
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        pipelining.clear();
        if (conn != null) {
            conn.closed();
        }
        super.channelInactive(ctx);
    }

    // ---- inbound

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        PolicyConnection c = conn;
        if (c == null || upgraded) {
            ctx.fireChannelRead(msg);
            return;
        }
        if (msg instanceof ByteBuf) {
            MISPLACED.seen(ctx, msg);
        }
        if (msg instanceof HttpRequest req) {
            if (c.machine.isRetired() || pipelining.overflowed()) {
                requestBodyOpen = false;
                bodyRoute = BODY_DROPPED;
                c.dropRead(msg, PolicyConnection.size(msg));
                return;
            }
            requestBodyOpen = !(msg instanceof LastHttpContent);
            if (busy()) {
                // Pipelined behind a request still being answered: it waits, so responses leave in request order.
                bodyRoute = BODY_HELD;
                hold(ctx, c, msg);
                return;
            }
            bodyRoute = BODY_PASSED;
            admit(ctx, c, req);
            return;
        }
        if (msg instanceof HttpContent) {
            boolean last = msg instanceof LastHttpContent;
            if (bodyRoute == BODY_HELD && !c.machine.isRetired()) {
                if (last) {
                    requestBodyOpen = false;
                }
                hold(ctx, c, msg);
                return;
            }
            if (!requestBodyOpen || done || bodyRoute != BODY_PASSED) {
                if (last) {
                    requestBodyOpen = false;
                }
                c.dropRead(msg, PolicyConnection.size(msg));
                return;
            }
            if (last) {
                requestBodyOpen = false;
            }
            if (PolicyConnection.size(msg) > 0) {
                c.record.touch(c.now());
            }
            ctx.fireChannelRead(msg);
            return;
        }
        if (done) {
            c.dropRead(msg, PolicyConnection.size(msg));
            return;
        }
        ctx.fireChannelRead(msg);
    }

    private void admit(ChannelHandlerContext ctx, PolicyConnection c, HttpRequest req) {
        push(infoOf(req));
        c.record.touch(c.now()); // the bytes are counted before the codec (ProtocolBytesCounter)
        ctx.fireChannelRead(req);
    }

    private void hold(ChannelHandlerContext ctx, PolicyConnection c, Object msg) {
        if (pipelining.hold(msg)) {
            return;
        }
        // Over a bound: the response in progress is the last one; what the client pipelined after it is dropped
        // (no more reading until the connection retires), and the client retries it on a new connection.
        bodyRoute = BODY_DROPPED;
        requestBodyOpen = false;
        ctx.channel().config().setAutoRead(false);
        if (!answering()) {
            done = true;
            c.retireAfterWrites(owner.runtime().retireUnannounced(c.record, RetireReason.PIPELINE_LIMIT, true));
        }
    }

    /** Passes held requests on, oldest first, each once the response to the one before is complete. */
    private void passHeld() {
        passHeldScheduled = false;
        PolicyConnection c = conn;
        if (c == null || done) {
            return;
        }
        ChannelHandlerContext ctx = c.ctx;
        boolean passed = false;
        for (Object next = pipelining.peek(); next != null; next = pipelining.peek()) {
            if (next instanceof HttpRequest && !upgraded && answering()) {
                break;
            }
            pipelining.poll();
            passed = true;
            if (next instanceof PipeliningGate.HeldEvent e) {
                ctx.fireUserEventTriggered(e.event());
            } else if (next instanceof HttpRequest req) {
                if (!pipelining.holdsRequests() && bodyRoute == BODY_HELD) {
                    bodyRoute = BODY_PASSED; // the rest of its body, if any, is not held
                }
                admit(ctx, c, req);
            } else {
                if (PolicyConnection.size(next) > 0) {
                    c.record.touch(c.now());
                }
                ctx.fireChannelRead(next);
            }
        }
        if (passed) {
            ctx.fireChannelReadComplete();
        }
    }

    private void schedulePassHeld(ChannelHandlerContext ctx) {
        if (!passHeldScheduled && !pipelining.isEmpty()) {
            // Not from inside the application's write: it gets the next request once that call has returned.
            passHeldScheduled = true;
            ctx.executor().execute(passHeld);
        }
    }

    private static int infoOf(HttpRequest req) {
        int info = 0;
        if (req.protocolVersion().equals(io.netty.handler.codec.http.HttpVersion.HTTP_1_0)) {
            info |= HTTP_10;
        }
        if (HttpUtil.isKeepAlive(req)) {
            info |= KEEP_ALIVE;
        }
        if (HttpMethod.HEAD.equals(req.method())) {
            info |= HEAD;
        }
        if (req.decoderResult().isFailure()) {
            info |= BAD;
        }
        return info;
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (evt instanceof ChannelInputShutdownEvent && conn != null) {
            peerFin = true;
            if (!pipelining.holdEvent(evt)) {
                super.userEventTriggered(ctx, evt);
            }
            PolicyConnection c = conn;
            if (c.machine.isClosed()) {
                return;
            }
            if (c.machine.isRetired() || !busy()) {
                c.machine.onPeerFin();
            }
            // Otherwise the client half-closed and still waits for responses: the last one retires the connection.
            return;
        }
        if (conn != null && !upgraded && PRIOR_KNOWLEDGE_EVENT.equals(evt.getClass().getName())) {
            // An HTTP/1.1-or-h2c server switched to HTTP/2 without a 101: from now on only pass messages on, as after
            // an upgrade. Matched by name: netty-codec-http2 is optional for HTTP/1 servers.
            upgraded = true;
            conn.stopReuseChecks();
        }
        if (evt instanceof ChannelInputShutdownReadComplete && pipelining.holdEvent(evt)) {
            return;
        }
        super.userEventTriggered(ctx, evt);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        PolicyConnection c = conn;
        if (c != null && (pipelining.overflowed() || c.machine.isRetired()) && PipeliningGate.isCodecDepthExceeded(cause)) {
            // The codec counts the pipelined requests this handler dropped; it discards the rest of the input and
            // closes after the next response, which the retirement already makes the last one.
            return;
        }
        PolicyConnection.exceptionCaught(c, ctx, cause);
    }

    // ---- outbound

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        PolicyConnection c = conn;
        if (c == null || upgraded) {
            ctx.write(msg, promise);
            return;
        }
        if (done) {
            PolicyConnection.dropWrite(msg, promise);
            return;
        }
        if (msg instanceof HttpResponse res) {
            int code = res.status().code();
            if (code < 200) {
                if (code == 101) {
                    upgraded = true;
                    c.stopReuseChecks();
                    schedulePassHeld(ctx);
                } else {
                    responseInformational = !(msg instanceof LastHttpContent);
                }
                ctx.write(msg, promise);
                return;
            }
            c.record.touch(responseStarts(c, res));
        } else if (PolicyConnection.size(msg) > 0) {
            c.record.touch(c.now()); // the bytes are counted after the encoder (ProtocolBytesCounter)
        }
        if (msg instanceof LastHttpContent) {
            if (responseInformational) {
                responseInformational = false;
            } else {
                promise = responseEnds(c, promise);
                schedulePassHeld(ctx);
            }
        }
        ctx.write(msg, promise);
    }

    /** Decides at the head of a response; returns the time of the decision. */
    private long responseStarts(PolicyConnection c, HttpResponse res) {
        long now = c.now();
        int info = requestsSize > 0 ? pop() : UNSOLICITED;
        boolean latest = requestsSize == 0 && !pipelining.holdsRequests();
        boolean http10 = (info & HTTP_10) != 0;
        boolean keepAlive = (info & KEEP_ALIVE) != 0;
        boolean bad = (info & BAD) != 0;
        // Held requests are dropped if this response retires, and a pipelining client may still be sending.
        boolean unread = (latest && requestBodyOpen) || bad || !latest || pipelining.overflowed();
        boolean eof = !selfDelimited(res, info);
        c.record.onRequest(http10 ? HttpVersion.HTTP_1_0 : HttpVersion.HTTP_1_1, !keepAlive, now);
        c.record.onResponse(eof, unread, now);
        Decision d = c.decide(now);
        if (d instanceof Reuse) {
            RetireReason forced = null;
            if (bad || retireRequested || res.headers().containsValue(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE, true)) {
                // A bad request leaves the decoder unusable; the application asked to close.
                forced = RetireReason.APPLICATION;
            } else if (pipelining.overflowed()) {
                forced = RetireReason.PIPELINE_LIMIT;
            } else if (peerFin && latest) {
                forced = RetireReason.CLIENT_REQUESTED;
            } else if (c.draining()) {
                forced = RetireReason.DRAIN;
            }
            if (forced != null) {
                d = owner.runtime().retireAnnounced(c.record, forced, unread);
            }
        }
        HttpHeaders headers = res.headers();
        if (d instanceof Retire r) {
            headers.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
            responseRetiring = true;
            c.retire(r, false);
        } else {
            if (http10) {
                headers.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
            }
            c.reused((Reuse) d, now);
        }
        responseOpen = true;
        return now;
    }

    /** Whether the client sees the end of the response by itself (an HTTP/1.0 client cannot read chunks). */
    private static boolean selfDelimited(HttpResponse res, int info) {
        int code = res.status().code();
        return (info & HEAD) != 0 || code == 204 || code == 304 || HttpUtil.isContentLengthSet(res)
                || ((info & HTTP_10) == 0 && HttpUtil.isTransferEncodingChunked(res));
    }

    private ChannelPromise responseEnds(PolicyConnection c, ChannelPromise promise) {
        responseOpen = false;
        boolean overflowed = pipelining.overflowed();
        if (!responseRetiring && requestsSize == 0 && !pipelining.holdsRequests() && !c.machine.isRetired()
                && (peerFin || retireRequested || overflowed)) {
            // The decision to reuse was sent with the head; the client closed its side, or the application
            // asked to retire, or the client pipelined too much, while the body was written.
            Retire r = peerFin
                    ? owner.runtime().retireAnnounced(c.record, RetireReason.CLIENT_REQUESTED, requestBodyOpen || overflowed)
                    : owner.runtime().retireUnannounced(c.record,
                            retireRequested ? RetireReason.APPLICATION : RetireReason.PIPELINE_LIMIT, requestBodyOpen || overflowed);
            c.retire(r, false);
            responseRetiring = true;
        }
        if (!responseRetiring) {
            return promise;
        }
        responseRetiring = false;
        done = true;
        ChannelPromise p = promise.unvoid();
        p.addListener(c.flushedListener());
        c.keepReading();
        return p;
    }

    @Override
    public void close(ChannelHandlerContext ctx, ChannelPromise promise) {
        PolicyConnection c = conn;
        if (c == null || c.machine.isClosed()) {
            ctx.close(promise);
            return;
        }
        if (upgraded) {
            c.machine.abort();
        } else if (!c.machine.isRetired()) {
            boolean unread = requestBodyOpen || !pipelining.isEmpty() || pipelining.overflowed();
            // Between two responses with pipelined requests held (closed by the application, or by the codec over its
            // pipelining depth) the client has whole responses: it retries the rest, so no end-of-stream close.
            Retire r = answering()
                    ? owner.runtime().retireAtEndOfStream(c.record, unread)
                    : owner.runtime().retireUnannounced(c.record, RetireReason.APPLICATION, unread);
            done = true;
            c.retireAfterWrites(r);
        }
        PolicyConnection.completeOnClose(ctx, promise);
    }

    // ---- control

    /** {@link CloseControl#retire}: the next response is the last one; an idle connection retires now. */
    void retireByApplication() {
        PolicyConnection c = conn;
        if (c == null || upgraded || c.machine.isRetired()) {
            return;
        }
        retireRequested = true;
        if (!busy()) {
            done = true;
            c.retireAfterWrites(owner.runtime().retireUnannounced(c.record, RetireReason.APPLICATION, requestBodyOpen));
        }
    }

    /** {@link CloseControl#abort}: a graceful close now, without waiting for the client. */
    void abort() {
        if (conn != null) {
            done = true;
            pipelining.clear();
            conn.machine.abort();
        }
    }

    /** The connection's state machine, or null before the channel is active (for tests and CloseControl). */
    PolicyConnection connection() {
        return conn;
    }

    private boolean busy() {
        return answering() || !pipelining.isEmpty();
    }

    /** A request was passed to the application and its response is not complete. */
    private boolean answering() {
        return requestsSize > 0 || responseOpen;
    }

    // ---- request queue

    private void push(int info) {
        if (requestsSize == requests.length) {
            int[] grown = new int[requests.length * 2];
            for (int i = 0; i < requestsSize; i++) {
                grown[i] = requests[(requestsHead + i) % requests.length];
            }
            requests = grown;
            requestsHead = 0;
        }
        requests[(requestsHead + requestsSize) % requests.length] = info;
        requestsSize++;
    }

    private int pop() {
        int info = requests[requestsHead];
        requestsHead = (requestsHead + 1) % requests.length;
        requestsSize--;
        return info;
    }

    @Override
    public String toString() {
        return "ClosePolicyHandler[" + (conn == null ? "not active" : conn.machine) + "]";
    }
}
