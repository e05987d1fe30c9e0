package org.closepolicy.netty;

import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.HttpServerKeepAliveHandler;
import java.util.Objects;
import org.closepolicy.CloseListener;
import org.closepolicy.ClosePolicies;
import org.closepolicy.ClosePolicy;
import org.closepolicy.CloseStats;
import org.closepolicy.Ticker;
import org.closepolicy.kernel.AckWatcher;
import org.closepolicy.spi.AdapterRuntime;
import org.closepolicy.spi.LoadMonitor;

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
     * {@code ALLOW_HALF_CLOSURE}.
     *
     * @throws IllegalStateException when the pipeline has no HTTP/1 server codec yet (the message says where the
     *         call belongs), or already has a close policy handler
     */
    public void installHttp(ChannelPipeline pipeline) {
        Objects.requireNonNull(pipeline, "pipeline");
        String codec = PipelinePlace.http1Codec(pipeline);
        String keepAlive = PipelinePlace.nameOf(pipeline, HttpServerKeepAliveHandler.class);
        PipelinePlace.checkNotInstalled(pipeline, ClosePolicyHandler.class, "installHttp");
        pipeline.channel().config().setOption(ChannelOption.ALLOW_HALF_CLOSURE, true);
        ClosePolicyHandler handler = newHttpHandler();
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
        pipeline.channel().config().setOption(ChannelOption.ALLOW_HALF_CLOSURE, true);
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
        pipeline.channel().config().setOption(ChannelOption.ALLOW_HALF_CLOSURE, true);
        String tls = Tls.lastName(pipeline);
        if (tls != null) {
            pipeline.addAfter(tls, TcpCloseHandler.NAME, newTcpHandler());
        } else {
            pipeline.addFirst(TcpCloseHandler.NAME, newTcpHandler());
        }
    }

    /** The statistics of every connection of this server (always collected, besides any listener). */
    public CloseStats stats() {
        return runtime.stats();
    }

    /** The load the policy sees: open connections, and TIME_WAIT if a sampler was given. */
    public LoadMonitor load() {
        return runtime.load();
    }

    /** The policy as applied: the one given, guarded. */
    public ClosePolicy policy() {
        return runtime.policy();
    }

    AdapterRuntime runtime() {
        return runtime;
    }

    CloseListener listener() {
        return runtime.listener();
    }

    Ticker ticker() {
        return runtime.ticker();
    }

    int maxPipelinedRequests() {
        return maxPipelinedRequests;
    }

    long maxPipelinedBytes() {
        return maxPipelinedBytes;
    }

    AckWatcher ackWatcher() {
        return runtime.ackWatcher();
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
    public static final class Builder {
        private final AdapterRuntime.Builder runtime;
        private int maxPipelinedRequests = DEFAULT_MAX_PIPELINED_REQUESTS;
        private long maxPipelinedBytes = DEFAULT_MAX_PIPELINED_BYTES;

        private Builder(ClosePolicy policy) {
            this.runtime = AdapterRuntime.builder(policy);
        }

        /** Also report every connection to this listener (called on event loops; must not block). */
        public Builder listener(CloseListener listener) {
            runtime.listener(listener);
            return this;
        }

        /** The time source of the policy and the close deadlines (default {@link Ticker#system()}). */
        public Builder ticker(Ticker ticker) {
            runtime.ticker(ticker);
            return this;
        }

        /** The watcher that tells when every byte is acknowledged before an RST (default {@link AckWatcher#shared()}). */
        public Builder ackWatcher(AckWatcher ackWatcher) {
            runtime.ackWatcher(ackWatcher);
            return this;
        }

        /** The load monitor connections report to and load rules read (default: counts connections, no TIME_WAIT). */
        public Builder loadMonitor(LoadMonitor load) {
            runtime.loadMonitor(load);
            return this;
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
            return new NettyClosePolicy(runtime.build(), maxPipelinedRequests, maxPipelinedBytes);
        }
    }
}
