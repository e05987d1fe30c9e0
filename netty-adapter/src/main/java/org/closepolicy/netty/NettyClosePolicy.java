package org.closepolicy.netty;

import io.netty.channel.Channel;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoopGroup;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpServerKeepAliveHandler;
import io.netty.util.concurrent.EventExecutor;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.closepolicy.CloseListener;
import org.closepolicy.ClosePolicies;
import org.closepolicy.ClosePolicy;
import org.closepolicy.CloseStats;
import org.closepolicy.DrainReport;
import org.closepolicy.Ticker;
import org.closepolicy.kernel.AckWatcher;
import org.closepolicy.spi.AdapterBuilder;
import org.closepolicy.spi.AdapterRuntime;
import org.closepolicy.spi.ConnectionRegistry;
import org.closepolicy.spi.LoadMonitor;
import org.closepolicy.spi.PeerMemory;

/**
 * The close policy of one Netty server: makes the per-channel handlers and holds what they share —
 * the (guarded) policy, the statistics, the listener, the load monitor and the ack watcher.
 * <pre>{@code
 * NettyClosePolicy closePolicy = NettyClosePolicy.builder(ClosePolicy.parse("safe-reset, close.client-wait=1s"))
 *         .listener(event -> log.debug("{}", event))
 *         .build();
 *
 * new ServerBootstrap()
 *         .group(group)
 *         .channel(EpollServerSocketChannel.class)            // NIO works the same
 *         .childHandler(new ChannelInitializer<SocketChannel>() {
 *             protected void initChannel(SocketChannel ch) {
 *                 ch.pipeline().addLast(new HttpServerCodec());
 *                 closePolicy.installHttp(ch.pipeline());      // right after the codec
 *                 ch.pipeline().addLast(new MyHttpHandler());
 *             }
 *         });
 *
 * closePolicy.stats().toJson();                                // {"opened":…,"whoClosed":{"LOCAL_FIN":0,…}}
 * }</pre>
 *
 * <p>The policy is wrapped with {@link ClosePolicies#guarded}: if it throws or returns null, the
 * connection is served and closed with the safe default (server-first lingering close), logged once.
 *
 * <p><b>TLS.</b> Put the {@code SslHandler} first and install as usual ({@link #installTcp} goes right after it):
 * <pre>{@code
 * SslContext tls = SslContextBuilder.forServer(keyManagerFactory).build();
 * protected void initChannel(SocketChannel ch) {
 *     ch.pipeline().addLast(tls.newHandler(ch.alloc()), new HttpServerCodec());
 *     closePolicy.installHttp(ch.pipeline());
 *     ch.pipeline().addLast(new MyHttpHandler());
 * }
 * }</pre>
 * Every mode keeps working: a FIN close and lingering send {@code close_notify} first; client-first waits for the
 * client's {@code close_notify} and the TCP FIN after it (Netty leaves the close to the pipeline on the peer's
 * {@code close_notify}), so the close is recorded as {@code REMOTE_FIN}; an RST (in reply to the client's FIN, or
 * once every byte is acknowledged) sends no {@code close_notify}, since the reset would discard it; the ack check
 * reads the kernel's send queue, so it counts TLS record bytes. The byte counters of the close events count
 * the protocol's bytes, heads and framing included, in plaintext (not TLS records), as on Jetty. For HTTP/2 see {@link Http2ClosePolicyHandler} and
 * {@link #installHttp2} (needs {@code netty-codec-http2} at run time; HTTP/1 and raw TCP do not).
 *
 * <p><b>Pipelining.</b> An HTTP/1.1 client may send requests without waiting for the responses. The
 * {@link ClosePolicyHandler} passes them to the application one at a time: a request reaches the pipeline after it
 * only once the response to the one before is complete (its {@code LastHttpContent} or {@code FullHttpResponse}
 * written), so responses leave in request order even when the application answers on other threads. Requests that
 * wait are held in memory, at most {@link Builder#maxPipelinedRequests} requests and {@link Builder#maxPipelinedBytes}
 * bytes (heads and bodies). Beyond either bound the response in progress is the last one (announced with
 * {@code Connection: close} if its head is not yet written), the held requests are released unanswered, the channel
 * stops reading, and the connection closes the policy's way (reason {@link org.closepolicy.RetireReason#PIPELINE_LIMIT});
 * the client retries the requests it got no answer to on a new connection (RFC 9112 §9.3.2). Netty's
 * {@code HttpServerCodec} has its own bound ({@code maxPipelineDepth}, 128 by default, counting every request decoded
 * before its response): keep {@code maxPipelinedRequests} below it. A response that retires the connection (a policy
 * that retires after one request, {@code Connection: close}, the maximum of requests) is the response to the request
 * it answers, and requests held behind it are released unanswered.
 *
 * <p>Thread-safety: immutable and thread-safe; share one instance across all channels of a server.
 */
public final class NettyClosePolicy {

    /** The default bound on pipelined requests held while an earlier one is answered: {@value}. */
    public static final int DEFAULT_MAX_PIPELINED_REQUESTS = 32;

    /** The default bound on the bytes (heads and bodies) of pipelined requests held: {@value} (1 MiB). */
    public static final long DEFAULT_MAX_PIPELINED_BYTES = 1L << 20;

    private static volatile NettyClosePolicy sharedInstance;

    private final AdapterRuntime runtime;
    private final int maxPipelinedRequests;
    private final long maxPipelinedBytes;
    private final Map<EventExecutor, ReuseWheel> wheels = ReuseWheel.newMap(); // one per event loop
    private volatile long drainIdleGraceNanos; // of the drain running (every connection is told the same)
    private volatile long drainStartedAt; // the latest start of a connection's drain (set under this lock)
    private boolean drainStartSet;

    private NettyClosePolicy(AdapterRuntime runtime, int maxPipelinedRequests, long maxPipelinedBytes) {
        this.runtime = runtime;
        this.maxPipelinedRequests = maxPipelinedRequests;
        this.maxPipelinedBytes = maxPipelinedBytes;
    }

    /**
     * A builder for a server using {@code policy}.
     * Defaults: no extra listener, {@link Ticker#system()}, {@link AckWatcher#shared()} (started on first
     * use), a {@link LoadMonitor} that counts open connections and samples no TIME_WAIT, at most
     * {@value #DEFAULT_MAX_PIPELINED_REQUESTS} pipelined requests and {@link #DEFAULT_MAX_PIPELINED_BYTES} bytes
     * held per connection.
     */
    public static Builder builder(ClosePolicy policy) {
        return new Builder(policy);
    }

    /** The shared instance used by {@link ClosePolicyHandler#install(ChannelPipeline, ClosePolicy)}. */
    static NettyClosePolicy sharedFor(ClosePolicy policy) {
        Objects.requireNonNull(policy, "policy");
        NettyClosePolicy s = sharedInstance;
        if (s == null || s.runtime.source() != policy) {
            s = builder(policy).build();
            sharedInstance = s;
        }
        return s;
    }

    /** A new HTTP/1.x handler for one channel; put it right after the {@code HttpServerCodec}. */
    public ClosePolicyHandler newHttpHandler() {
        return new ClosePolicyHandler(this);
    }

    /** A new HTTP/2 handler for one connection; put it right after the {@code Http2FrameCodec}. */
    public Http2ClosePolicyHandler newHttp2Handler() {
        return new Http2ClosePolicyHandler(this);
    }

    /** A new raw-TCP handler for one channel; put it first in the pipeline. */
    public TcpCloseHandler newTcpHandler() {
        return new TcpCloseHandler(this);
    }

    /**
     * Adds a new {@link ClosePolicyHandler} right after the pipeline's {@code HttpServerCodec} (or after the later
     * of an {@code HttpRequestDecoder} and an {@code HttpResponseEncoder}) under the name
     * {@link ClosePolicyHandler#NAME}; an {@code HttpServerKeepAliveHandler} in the pipeline is replaced. Turns on
     * {@code ALLOW_HALF_CLOSURE}. When the {@code HttpServerCodec} is the pipeline's first handler (no TLS), the
     * connection's bytes are counted where the socket reads and writes them: the channel's
     * {@code RecvByteBufAllocator} and {@code MessageSizeEstimator} are wrapped (they keep working as configured), so
     * set them before this call, not after.
     *
     * @throws IllegalStateException when the pipeline has no HTTP/1 server codec yet (the message says where the
     *         call belongs), or already has a close policy handler
     */
    public void installHttp(ChannelPipeline pipeline) {
        Objects.requireNonNull(pipeline, "pipeline");
        String codec = PipelinePlace.http1Codec(pipeline);
        String keepAlive = PipelinePlace.nameOf(pipeline, HttpServerKeepAliveHandler.class);
        PipelinePlace.checkNotInstalled(pipeline, ClosePolicyHandler.class, "installHttp");
        NettyTransport.allowHalfClosure(pipeline.channel());
        ClosePolicyHandler handler = newHttpHandler();
        if (keepAlive == null && pipeline.get(codec) instanceof HttpServerCodec) {
            handler.serverCodec = codec; // the byte counter finds the codec by its name
        }
        SocketByteCounts.install(pipeline, handler); // before the handler is added: it may open the connection at once
        if (keepAlive != null) {
            pipeline.replace(keepAlive, ClosePolicyHandler.NAME, handler);
        } else {
            pipeline.addAfter(codec, ClosePolicyHandler.NAME, handler);
        }
    }

    /**
     * Adds a new {@link Http2ClosePolicyHandler} right after the pipeline's {@code Http2FrameCodec} (so before an
     * {@code Http2MultiplexHandler}) under the name {@link Http2ClosePolicyHandler#NAME}. Turns on
     * {@code ALLOW_HALF_CLOSURE}. Call it where the codec is added: in the {@code ChannelInitializer} for h2c with
     * prior knowledge, in {@code ApplicationProtocolNegotiationHandler.configurePipeline} for h2 over TLS.
     *
     * @throws IllegalStateException when the pipeline has no {@code Http2FrameCodec} yet (the message says where
     *         the call belongs), or already has a close policy handler
     */
    public void installHttp2(ChannelPipeline pipeline) {
        Objects.requireNonNull(pipeline, "pipeline");
        String codec = PipelinePlace.http2Codec(pipeline);
        PipelinePlace.checkNotInstalled(pipeline, Http2ClosePolicyHandler.class, "installHttp2");
        NettyTransport.allowHalfClosure(pipeline.channel());
        pipeline.addAfter(codec, Http2ClosePolicyHandler.NAME, newHttp2Handler());
    }

    /**
     * Adds a new {@link TcpCloseHandler} first in the pipeline under the name {@link TcpCloseHandler#NAME}, or
     * right after an {@code SslHandler} already in the pipeline (so that it counts plaintext and its closes send
     * {@code close_notify}: add the {@code SslHandler} first). Turns on {@code ALLOW_HALF_CLOSURE}.
     *
     * @throws IllegalStateException when the pipeline has an HTTP codec (use {@link #installHttp} or
     *         {@link #installHttp2}), or already has a close policy handler
     */
    public void installTcp(ChannelPipeline pipeline) {
        Objects.requireNonNull(pipeline, "pipeline");
        PipelinePlace.checkNoHttpCodec(pipeline);
        PipelinePlace.checkNotInstalled(pipeline, TcpCloseHandler.class, "installTcp");
        NettyTransport.allowHalfClosure(pipeline.channel());
        String tls = Tls.lastName(pipeline);
        if (tls != null) {
            pipeline.addAfter(tls, TcpCloseHandler.NAME, newTcpHandler());
        } else {
            pipeline.addFirst(TcpCloseHandler.NAME, newTcpHandler());
        }
    }

    /**
     * Drains every connection of this server the policy's way, for a deploy or a restart: from now on no
     * connection is reused. HTTP/1: the response in flight (or the next one) carries {@code Connection: close}
     * and the policy's close follows (client-first: the client closes, so no server TIME_WAIT); a connection
     * with no request in flight that stays quiet for the idle grace (1 s, at most half the timeout) is closed by
     * the policy's idle retirement. HTTP/2: one graceful {@code GOAWAY}, the streams in flight finish, then the
     * policy's close. Raw TCP: the application gets a {@link DrainingEvent}. At {@code timeout} the connections
     * still open are closed gracefully (a FIN after everything written, never an RST).
     *
     * <p>Stop accepting first (close the server channel), or use {@link #shutdownGracefully}: a connection
     * accepted while draining is drained at once, after one response.
     * <pre>{@code
     * serverChannel.close().sync();                                    // 1. stop accepting
     * DrainReport report = closePolicy.drain(Duration.ofSeconds(10)).join(); // 2. drain
     * group.shutdownGracefully(0, 1, TimeUnit.SECONDS);                // 3. shut down
     * }</pre>
     * The future completes (off the event loops) when the last connection has closed, or about a second after the
     * deadline; a second call returns the first drain's future.
     */
    public CompletableFuture<DrainReport> drain(Duration timeout) {
        return runtime.connections().drain(timeout);
    }

    /** As {@link #drain(Duration)}, giving quiet connections {@code idleGrace} for a last request before closing them. */
    public CompletableFuture<DrainReport> drain(Duration timeout, Duration idleGrace) {
        return runtime.connections().drain(timeout, idleGrace);
    }

    /**
     * A graceful stop in the right order: closes {@code serverChannel} (no new connections), drains every
     * connection within {@code timeout} ({@link #drain(Duration)}), then shuts {@code groups} down with no quiet
     * period. The future completes with the drain report once the groups have terminated.
     */
    public CompletableFuture<DrainReport> shutdownGracefully(Channel serverChannel, Duration timeout, EventLoopGroup... groups) {
        Objects.requireNonNull(serverChannel, "serverChannel");
        Objects.requireNonNull(timeout, "timeout");
        CompletableFuture<Void> closed = new CompletableFuture<>();
        serverChannel.close().addListener(f -> closed.complete(null));
        return closed.thenCompose(v -> drain(timeout)).thenCompose(report -> {
            CompletableFuture<DrainReport> done = new CompletableFuture<>();
            if (groups.length == 0) {
                done.complete(report);
                return done;
            }
            AtomicInteger left = new AtomicInteger(groups.length);
            for (EventLoopGroup g : groups) {
                g.shutdownGracefully(0, 1, TimeUnit.SECONDS).addListener(f -> {
                    if (left.decrementAndGet() == 0) {
                        done.complete(report);
                    }
                });
            }
            return done;
        });
    }

    /** Whether {@link #drain} was called: connections are no longer reused. */
    public boolean draining() {
        return runtime.connections().draining();
    }

    ConnectionRegistry connections() {
        return runtime.connections();
    }

    /** The statistics of every connection of this server (always collected, besides any listener). */
    public CloseStats stats() {
        return runtime.stats();
    }

    /** The load the policy sees: open connections, and TIME_WAIT if a sampler was given. */
    public LoadMonitor load() {
        return runtime.load();
    }

    /** What this server learned about HTTP/1.0 peers (also in {@link #stats()}' JSON). */
    public PeerMemory peers() {
        return runtime.peers();
    }

    /** The policy as applied: the one given, guarded. */
    public ClosePolicy policy() {
        return runtime.policy();
    }

    AdapterRuntime runtime() {
        return runtime;
    }

    /** The idle and max-age checks of this server's connections on {@code loop}. */
    ReuseWheel reuseWheel(EventExecutor loop) {
        return ReuseWheel.of(wheels, loop, runtime.ticker());
    }

    /** How many event loops have a reuse wheel now (loops with kept connections). */
    int reuseWheelCount() {
        return wheels.size();
    }

    /** How long a quiet connection is given for a last request during the drain that runs. */
    long drainIdleGraceNanos() {
        return drainIdleGraceNanos;
    }

    /** Since when quiet connections are given the drain's idle grace (a connection's own activity may be later). */
    long drainStartedAt() {
        return drainStartedAt;
    }

    /**
     * A connection started draining at {@code now} (ticker nanos) with {@code idleGraceNanos}: the drain counts from
     * the latest such start, so no connection is closed by the grace earlier than from its own start.
     */
    synchronized void drainStarted(long now, long idleGraceNanos) {
        drainIdleGraceNanos = idleGraceNanos;
        if (!drainStartSet || now - drainStartedAt > 0) {
            drainStartSet = true;
            drainStartedAt = now;
        }
    }

    int maxPipelinedRequests() {
        return maxPipelinedRequests;
    }

    long maxPipelinedBytes() {
        return maxPipelinedBytes;
    }

    @Override
    public String toString() {
        return "NettyClosePolicy[" + runtime.source() + "]";
    }

    /**
     * Builds a {@link NettyClosePolicy}.
     * <pre>{@code
     * NettyClosePolicy p = NettyClosePolicy.builder(ClosePolicies.keepAlive())
     *         .listener(metrics::record)
     *         .loadMonitor(new LoadMonitor(sampler::serverTimeWait))
     *         .build();
     * // then, in a ChannelInitializer: p.installHttp(ch.pipeline()) or p.installTcp(ch.pipeline())
     * }</pre>
     *
     * <p>Thread-safety: not thread-safe; use from one thread, then call {@link #build()}.
     */
    public static final class Builder extends AdapterBuilder<Builder> {
        private int maxPipelinedRequests = DEFAULT_MAX_PIPELINED_REQUESTS;
        private long maxPipelinedBytes = DEFAULT_MAX_PIPELINED_BYTES;

        private Builder(ClosePolicy policy) {
            super(policy);
        }

        /**
         * How many pipelined requests of one connection wait at most while an earlier one is answered (default
         * {@value #DEFAULT_MAX_PIPELINED_REQUESTS}); 0 answers no pipelined request: the connection retires after
         * the response in progress. See "Pipelining" in {@link NettyClosePolicy}.
         *
         * @throws IllegalArgumentException when {@code requests} is negative
         */
        public Builder maxPipelinedRequests(int requests) {
            if (requests < 0) {
                throw new IllegalArgumentException("maxPipelinedRequests must be >= 0, got " + requests);
            }
            this.maxPipelinedRequests = requests;
            return this;
        }

        /**
         * How many bytes of pipelined requests (heads and bodies) one connection holds at most while an earlier
         * request is answered (default {@link #DEFAULT_MAX_PIPELINED_BYTES}, 1 MiB).
         *
         * @throws IllegalArgumentException when {@code bytes} is negative
         */
        public Builder maxPipelinedBytes(long bytes) {
            if (bytes < 0) {
                throw new IllegalArgumentException("maxPipelinedBytes must be >= 0, got " + bytes);
            }
            this.maxPipelinedBytes = bytes;
            return this;
        }


        /** Builds the server's close policy. */
        public NettyClosePolicy build() {
            return new NettyClosePolicy(runtime(), maxPipelinedRequests, maxPipelinedBytes);
        }
    }
}
