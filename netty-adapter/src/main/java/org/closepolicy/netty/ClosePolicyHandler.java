package org.closepolicy.netty;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.ChannelPromise;
import io.netty.channel.socket.ChannelInputShutdownReadComplete;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.LastHttpContent;
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
 *       client's FIN, RST only after every byte is acknowledged). Once a retiring response is flushed and the
 *       client's FIN is to be answered with a plain close (client-first without TLS), half-closure is turned off
 *       again: Netty then closes at that FIN by itself, and the application sees the channel go inactive;</li>
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
 * Every connection produces exactly one {@link org.closepolicy.CloseEvent}. Its byte counters count the HTTP bytes,
 * heads included, as the codec sees them (after TLS), as on Jetty: where the socket reads and writes them when the
 * {@code HttpServerCodec} is the pipeline's first handler, else in a small handler named {@code closePolicyBytes}
 * right before the codec.
 *
 * <p>While closing, the bounds on input (lingering time, silence and bytes; the input limit of the client-first
 * wait) apply to the raw bytes read from the socket: once nothing more read can reach the application, the byte
 * counter before the codec ({@code closePolicyBytes}, joining the pipeline at the first input after retirement when
 * the bytes were counted at the socket) discards the input itself instead of letting the decoder consume it.
 *
 * <p>Not {@code @Sharable}: use one instance per channel.
 *
 * <p>Thread-safety: not thread-safe; confined to the channel's event loop.
 */
public final class ClosePolicyHandler extends PolicyChannelHandler {

    /** The name under which {@link NettyClosePolicy#installHttp} adds the handler. */
    public static final String NAME = "closePolicy";

    static final MisplacedHandlerWarning MISPLACED = new MisplacedHandlerWarning("ClosePolicyHandler",
            "decoded HTTP messages (HttpRequest, HttpContent)", PipelinePlace.HTTP1_FIX);

    // Where the request body the decoder delivers now goes.
    private static final byte BODY_PASSED = 0;
    private static final byte BODY_HELD = 1;
    private static final byte BODY_DROPPED = 2;

    private PipeliningGate pipelining = PipeliningGate.NONE; // its own gate from the first pipelined request
    private byte request = PendingRequests.NONE; // the request being answered; a ring only once a client pipelines
    private PendingRequests moreRequests;
    String serverCodec; // the HttpServerCodec it was installed after, when known: the byte counter's place without a walk

    private boolean requestBodyOpen;
    /** The newest request declares no body: nothing of it is unread while the decoder's empty last content is due. */
    private boolean requestBodyEmpty;
    private byte bodyRoute = BODY_PASSED;
    private boolean passHeldScheduled;
    private boolean responseOpen;
    private boolean responseInformational;
    private boolean responseRetiring;
    /** The retiring response is written (or the connection retired between exchanges): drop everything else. */
    private boolean done;
    private boolean upgraded;
    private boolean retireRequested;

    @Override
    void retireOutsideExchange(Retire r) {
        done = true;
        conn.retireAfterWrites(r);
    }

    @Override
    void retiring() {
        // Held requests are never answered on a retiring connection: the client retries them elsewhere.
        pipelining.clear();
    }

    @Override
    boolean speaksHttp1() {
        return !upgraded;
    }

    @Override
    boolean closesWhenQuiet() {
        return !upgraded; // after a protocol upgrade the application owns the conversation: cut at the deadline
    }

    ClosePolicyHandler(NettyClosePolicy owner) {
        super(owner);
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

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        pipelining.clear();
        ProtocolBytesCounter.removeFrom(ctx.pipeline());
    }

    /**
     * Whether raw input can be discarded before decoding: the connection is retired and everything decoded from
     * now on would be dropped anyway (no request body still owed to the application, no protocol upgrade).
     */
    @Override
    boolean discardsInput(PolicyConnection c) {
        return !upgraded && c.isRetired() && !c.isClosed() && (done || !requestBodyOpen || bodyRoute != BODY_PASSED);
    }

    @Override
    PolicyConnection open(ChannelHandlerContext ctx) {
        return PolicyConnection.open(ctx, owner, Protocol.HTTP1);
    }

    @Override
    void opened(ChannelHandlerContext ctx) {
        PipelinePlace.countHttp1Bytes(ctx.pipeline(), this);
    }

    @Override
    boolean countsInput() {
        PolicyConnection c = conn;
        return c != null && !discardsInput(c);
    }

    @Override
    void inactive() {
        pipelining.clear();
    }

    // ---- inbound

    @Override
    void read(ChannelHandlerContext ctx, PolicyConnection c, Object msg) {
        if (upgraded) {
            ctx.fireChannelRead(msg);
            return;
        }
        if (msg instanceof ByteBuf) {
            MISPLACED.seen(ctx, msg);
        }
        if (msg instanceof HttpRequest req) {
            if (c.isRetired() || pipelining.overflowed()) {
                requestBodyOpen = false;
                bodyRoute = BODY_DROPPED;
                c.dropRead(msg, Messages.size(msg));
                return;
            }
            requestBodyOpen = !(msg instanceof LastHttpContent);
            requestBodyEmpty = requestBodyOpen && PendingRequests.declaresNoBody(req);
            if (busy()) {
                // Pipelined behind a request still being answered: it waits, so responses leave in request order.
                bodyRoute = BODY_HELD;
                hold(ctx, c, msg);
                return;
            }
            bodyRoute = BODY_PASSED;
            admit(ctx, c, req, !c.inputCounted());
            return;
        }
        if (msg instanceof HttpContent) {
            boolean held = bodyRoute == BODY_HELD && !c.isRetired();
            boolean passed = !held && requestBodyOpen && !done && bodyRoute == BODY_PASSED;
            if (msg instanceof LastHttpContent) {
                requestBodyOpen = false;
            }
            if (held) {
                hold(ctx, c, msg);
            } else if (!passed) {
                c.dropRead(msg, Messages.size(msg));
            } else {
                if (!c.inputCounted() && Messages.size(msg) > 0) {
                    c.touch(c.now()); // else the byte counter marked it when it read these bytes
                }
                ctx.fireChannelRead(msg);
            }
            return;
        }
        if (done) {
            c.dropRead(msg, Messages.size(msg));
            return;
        }
        ctx.fireChannelRead(msg);
    }

    /** Passes a request on; {@code touch}: mark the activity now (it was held, or no byte counter read it). */
    private void admit(ChannelHandlerContext ctx, PolicyConnection c, HttpRequest req, boolean touch) {
        moreRequests = PendingRequests.needsRing(request, moreRequests) ? new PendingRequests() : moreRequests;
        request = PendingRequests.add(request, moreRequests, req);
        if (touch) {
            c.touch(c.now());
        }
        ctx.fireChannelRead(req);
    }

    private void hold(ChannelHandlerContext ctx, PolicyConnection c, Object msg) {
        pipelining = PipeliningGate.own(pipelining, owner);
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
            c.retireAfterWrites(owner.runtime().retireUnannounced(c, RetireReason.PIPELINE_LIMIT, true));
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
                admit(ctx, c, req, true);
            } else {
                if (Messages.size(next) > 0) {
                    c.touch(c.now());
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
            ctx.executor().execute(this::passHeld); // a pipelining connection's: no field on every connection
        }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (conn != null && !upgraded && PipelinePlace.isPriorKnowledgeUpgrade(evt)) {
            upgraded = true; // from now on only pass messages on, as after a 101
            conn.stopReuseChecks();
            conn.countByHandler(this); // counts the new protocol's bytes
        }
        if (evt instanceof ChannelInputShutdownReadComplete && pipelining.holdEvent(evt)) {
            return;
        }
        super.userEventTriggered(ctx, evt);
    }

    @Override
    void passPeerFin(ChannelHandlerContext ctx, Object evt) {
        if (!pipelining.holdEvent(evt)) {
            ctx.fireUserEventTriggered(evt);
        }
    }

    @Override
    void peerFinWhileOpen(PolicyConnection c) {
        if (!busy()) {
            c.machine().onPeerFin();
        }
        // Otherwise the client half-closed and still waits for responses: the last one retires the connection.
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        PolicyConnection c = conn;
        if (c != null && (pipelining.overflowed() || c.isRetired()) && PipeliningGate.isCodecDepthExceeded(cause)) {
            // The codec counts the pipelined requests this handler dropped; it discards the rest of the input and
            // closes after the next response, which the retirement already makes the last one.
            return;
        }
        super.exceptionCaught(ctx, cause);
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
            Messages.dropWrite(msg, promise);
            return;
        }
        if (msg instanceof HttpResponse res) {
            int code = res.status().code();
            if (code < 200) {
                if (code == 101) {
                    upgraded = true;
                    c.stopReuseChecks();
                    c.countByHandler(this); // before the codec is replaced
                    schedulePassHeld(ctx);
                } else {
                    responseInformational = !(msg instanceof LastHttpContent);
                }
                ctx.write(msg, promise);
                return;
            }
            c.touch(responseStarts(c, res));
        } else if (msg instanceof LastHttpContent || Messages.size(msg) > 0) {
            c.touch(c.now()); // the byte counter after the encoder reads no clock (speaksHttp1)
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
        int info = request != PendingRequests.NONE ? request : PendingRequests.next(moreRequests);
        request = PendingRequests.NONE;
        boolean latest = PendingRequests.isEmpty(request, moreRequests) && !pipelining.holdsRequests();
        boolean http10 = PendingRequests.http10(info);
        boolean bad = PendingRequests.bad(info);
        // Held requests are dropped if this response retires, and a pipelining client may still be sending.
        boolean unread = (latest && bodyUnread()) || bad || !latest || pipelining.overflowed();
        c.onRequest(http10 ? HttpVersion.HTTP_1_0 : HttpVersion.HTTP_1_1, !PendingRequests.keepAlive(info), now);
        c.onResponse(!PendingRequests.selfDelimited(res, info), unread, now); // EOF-delimited unless self-delimited
        Decision d = c.decide(now);
        RetireReason forced = d instanceof Reuse ? ResponseHeads.forcedRetirement(res, bad, retireRequested,
                pipelining.overflowed(), c.peerFinSeen() && latest, c.draining()) : null;
        if (forced != null) {
            d = owner.runtime().retireAnnounced(c, forced, unread);
        }
        ResponseHeads.announce(res, d instanceof Retire, http10);
        if (d instanceof Retire r) {
            responseRetiring = true;
            c.retireInResponse(r);
        } else {
            c.reused((Reuse) d, now);
        }
        responseOpen = true;
        return now;
    }

    private ChannelPromise responseEnds(PolicyConnection c, ChannelPromise promise) {
        responseOpen = false;
        boolean overflowed = pipelining.overflowed();
        boolean peerFin = c.peerFinSeen();
        if (!responseRetiring && PendingRequests.isEmpty(request, moreRequests) && !pipelining.holdsRequests() && !c.isRetired()
                && (peerFin || retireRequested || overflowed)) {
            // The decision to reuse was sent with the head; the client closed its side, or the application
            // asked to retire, or the client pipelined too much, while the body was written.
            c.retireInResponse(ResponseHeads.retirementAfterHead(owner.runtime(), c, peerFin, retireRequested, bodyUnread() || overflowed));
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
    void closedByApplication(PolicyConnection c) {
        if (upgraded) {
            c.machine().abort();
        } else if (!c.isRetired()) {
            boolean unread = bodyUnread() || !pipelining.isEmpty() || pipelining.overflowed();
            // Between two responses with pipelined requests held (closed by the application, or by the codec over its
            // pipelining depth) the client has whole responses: it retries the rest, so no end-of-stream close.
            Retire r = answering()
                    ? owner.runtime().retireAtEndOfStream(c, unread)
                    : owner.runtime().retireUnannounced(c, closeReason, unread);
            done = true;
            c.retireAfterWrites(r);
        }
    }

    // ---- control

    /** {@link CloseControl#retire}: the next response is the last one; an idle connection retires now. */
    @Override
    void retireByApplication() {
        PolicyConnection c = conn;
        if (c == null || upgraded || c.isRetired()) {
            return;
        }
        retireRequested = true;
        if (!busy()) {
            done = true;
            c.retireAfterWrites(owner.runtime().retireUnannounced(c, RetireReason.APPLICATION, bodyUnread()));
        }
    }

    /** {@link CloseControl#abort}: a graceful close now, without waiting for the client. */
    @Override
    void abort() {
        if (conn != null) {
            done = true;
            pipelining.clear();
            conn.machine().abort();
        }
    }

    /** Whether bytes of the newest request's body may be unread (rule 3), also when the application answers its head. */
    private boolean bodyUnread() {
        return requestBodyOpen && !requestBodyEmpty;
    }

    @Override
    boolean busy() {
        return answering() || !pipelining.isEmpty();
    }

    /** A request was passed to the application and its response is not complete. */
    private boolean answering() {
        return !PendingRequests.isEmpty(request, moreRequests) || responseOpen;
    }
}
