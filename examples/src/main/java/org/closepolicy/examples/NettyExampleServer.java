package org.closepolicy.examples;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.socket.nio.NioChannelOption;
import java.net.StandardSocketOptions;
import org.closepolicy.DrainReport;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpChunkedInput;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2StreamFrameToHttpObjectCodec;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.codec.http.HttpServerKeepAliveHandler;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.stream.ChunkedInput;
import io.netty.handler.stream.ChunkedWriteHandler;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.closepolicy.ClosePolicies;
import org.closepolicy.CloseStats;
import org.closepolicy.netty.NettyClosePolicy;

/**
 * The example endpoints on Netty: {@code HttpServerCodec}, the close policy, a chunked writer for
 * large bodies, and {@link App}, which streams uploads instead of aggregating them.
 *
 * <p>Thread-safety: thread-safe.
 */
final class NettyExampleServer implements ExampleServer {

    private static final int LARGE_BODY = 1 << 20;

    private final ServerConfig config;
    private final EventLoopGroup boss;
    private final EventLoopGroup workers;
    private final ChannelGroup channels = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);
    private final ExecutorService hashing;
    private final NettyClosePolicy closePolicy;
    private final AtomicBoolean stopped = new AtomicBoolean();
    private volatile boolean draining;
    private volatile DrainReport drainReport;
    private Channel serverChannel;

    private final Wire wire;
    private final SslContext tls;

    private NettyExampleServer(ServerConfig config, Wire wire) {
        this.config = config;
        this.wire = wire;
        this.tls = wire.tls() ? NettyWire.sslContext(wire) : null;
        // A bare server keeps an unused factory: its stats stay empty.
        this.closePolicy = NettyClosePolicy.builder(config.bare() ? ClosePolicies.keepAlive() : config.policy()).build();
        IoHandlerFactory io = config.transport() == TransportKind.EPOLL ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
        this.boss = new MultiThreadIoEventLoopGroup(1, io);
        this.workers = new MultiThreadIoEventLoopGroup(0, io);
        this.hashing = Executors.newFixedThreadPool(2, r -> {
            Thread t = new Thread(r, "bytes-sha256");
            t.setDaemon(true);
            return t;
        });
    }

    static NettyExampleServer start(ServerConfig config) throws InterruptedException {
        return start(config, Wire.CLEARTEXT_HTTP1);
    }

    static NettyExampleServer start(ServerConfig config, Wire wire) throws InterruptedException {
        if (config.transport() == TransportKind.EPOLL && !Epoll.isAvailable()) {
            throw new IllegalStateException("epoll transport is not available here: " + Epoll.unavailabilityCause().getMessage()
                    + "; use --transport nio");
        }
        NettyExampleServer s = new NettyExampleServer(config, wire);
        try {
            s.bind();
        } catch (InterruptedException | RuntimeException e) {
            s.stop(Duration.ZERO);
            throw e;
        }
        return s;
    }

    private void bind() throws InterruptedException {
        Class<? extends ServerChannel> channel = config.transport() == TransportKind.EPOLL
                ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
        ServerBootstrap b = new ServerBootstrap()
                .group(boss, workers)
                .channel(channel)
                .option(ChannelOption.SO_BACKLOG, 1024)
                .option(ChannelOption.SO_REUSEADDR, true)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        channels.add(ch);
                        NettyWire.initChannel(ch, wire, tls, NettyExampleServer.this::http1, NettyExampleServer.this::http2);
                    }
                });
        if (config.reusePort()) {
            if (channel == EpollServerSocketChannel.class) {
                b.option(EpollChannelOption.SO_REUSEPORT, true);
            } else {
                b.option(NioChannelOption.of(StandardSocketOptions.SO_REUSEPORT), true);
            }
        }
        serverChannel = b.bind(new InetSocketAddress(config.host(), config.port())).sync().channel();
    }

    /** An HTTP/1.1 connection: the codec, the close policy, the application. */
    private void http1(ChannelPipeline p) {
        p.addLast("http", new HttpServerCodec());
        installClosePolicy(p);
        p.addLast("chunked", new ChunkedWriteHandler());
        p.addLast("app", new App());
    }

    /** An HTTP/2 connection: the frame codec, the close policy, and per stream the same application over HTTP/1 objects. */
    private void http2(ChannelPipeline p) {
        p.addLast("h2", Http2FrameCodecBuilder.forServer().build());
        if (!config.bare()) {
            closePolicy.installHttp2(p);
        }
        p.addLast("streams", new Http2MultiplexHandler(new ChannelInitializer<Channel>() {
            @Override
            protected void initChannel(Channel stream) {
                stream.pipeline().addLast(new Http2StreamFrameToHttpObjectCodec(true), new ChunkedWriteHandler(), new App());
            }
        }));
    }

    /** The one place where the close policy meets the pipeline, right after the codec. */
    private void installClosePolicy(ChannelPipeline p) {
        if (config.bare()) {
            p.addLast("keepAlive", new HttpServerKeepAliveHandler());
            return;
        }
        closePolicy.installHttp(p);
    }

    @Override
    public ServerConfig config() {
        return config;
    }

    @Override
    public int port() {
        return ((InetSocketAddress) serverChannel.localAddress()).getPort();
    }

    @Override
    public CloseStats stats() {
        return closePolicy.stats();
    }

    @Override
    public DrainReport drainReport() {
        return drainReport;
    }

    @Override
    public void stop(Duration drain) {
        if (!stopped.compareAndSet(false, true)) {
            return;
        }
        draining = config.bare(); // with a policy, the drain retires connections (the application need not)
        if (serverChannel != null) {
            serverChannel.close().syncUninterruptibly(); // 1. stop accepting
        }
        if (!config.bare()) {
            // 2. drain every connection the policy's way (3. below: shut the event loops down)
            try {
                drainReport = closePolicy.drain(drain).get(drain.toMillis() + 3_000, TimeUnit.MILLISECONDS);
            } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
                // The report is for display; the stop goes on.
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        for (Channel ch : channels) {
            ch.eventLoop().execute(() -> {
                App app = ch.pipeline().get(App.class);
                if (app == null || !app.busy) {
                    ch.close();
                }
            });
        }
        long deadline = System.nanoTime() + drain.toNanos();
        while (!channels.isEmpty() && System.nanoTime() < deadline) {
            channels.newCloseFuture().awaitUninterruptibly(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
        }
        channels.close().awaitUninterruptibly(1, TimeUnit.SECONDS);
        hashing.shutdownNow();
        boss.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        workers.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(3, TimeUnit.SECONDS);
    }

    /**
     * The application: one instance per connection. It writes its responses in request order even when a client
     * pipelines requests and one response is produced on another thread (HTTP/1.1 pairs responses with requests by
     * order): a response waits in {@link #waiting} while an earlier one is being produced. The close policy's handler
     * guarantees the same order by itself; a server without it (a bare baseline) relies on this.
     */
    private final class App extends ChannelInboundHandlerAdapter {
        /** A request is being answered; a draining stop waits for it. */
        volatile boolean busy;
        /** Writes of responses to later requests, waiting for the response being produced on another thread. */
        private final ArrayDeque<Runnable> waiting = new ArrayDeque<>();
        private boolean producing;
        private MessageDigest upload;
        private long uploaded;
        private boolean discarding;

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            try {
                if (msg instanceof HttpRequest req) {
                    onRequest(ctx, req);
                }
                if (msg instanceof HttpContent content) {
                    onContent(ctx, content);
                }
            } finally {
                ReferenceCountUtil.release(msg);
            }
        }

        private void onRequest(ChannelHandlerContext ctx, HttpRequest req) {
            busy = true;
            upload = null;
            discarding = true;
            if (req.decoderResult().isFailure()) {
                FullHttpResponse r = text(HttpResponseStatus.BAD_REQUEST, "bad request: " + req.decoderResult().cause().getMessage() + "\n");
                HttpUtil.setKeepAlive(r, false);
                send(ctx, r);
                return;
            }
            QueryStringDecoder q = new QueryStringDecoder(req.uri());
            Endpoints.Route route = Endpoints.route(req.method().name(), q.path());
            boolean head = req.method().equals(HttpMethod.HEAD);
            switch (route) {
                case WEATHER -> send(ctx, full(HttpResponseStatus.OK, WeatherXml.CONTENT_TYPE, WeatherXml.shared(), head));
                case STATS -> send(ctx, full(HttpResponseStatus.OK, Endpoints.JSON_TYPE,
                        Endpoints.statsJson(NettyExampleServer.this).getBytes(StandardCharsets.UTF_8), head));
                case BYTES -> bytes(ctx, param(q, "n"), head);
                case UPLOAD -> {
                    if (Endpoints.early413(param(q, "early"))) {
                        FullHttpResponse r = text(HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE, Endpoints.earlyRejected());
                        HttpUtil.setKeepAlive(r, false);
                        send(ctx, r);
                    } else {
                        if (HttpUtil.is100ContinueExpected(req)) {
                            inOrder(() -> ctx.writeAndFlush(new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.CONTINUE)));
                        }
                        upload = Payloads.sha256();
                        uploaded = 0;
                        discarding = false;
                    }
                }
                case METHOD_NOT_ALLOWED -> {
                    FullHttpResponse r = text(HttpResponseStatus.METHOD_NOT_ALLOWED, req.method() + " is not allowed here\n");
                    r.headers().set(HttpHeaderNames.ALLOW, Endpoints.allowed(Endpoints.route("POST", q.path()) == Endpoints.Route.UPLOAD
                            ? Endpoints.Route.UPLOAD : Endpoints.Route.WEATHER));
                    send(ctx, r);
                }
                case NOT_FOUND -> send(ctx, text(HttpResponseStatus.NOT_FOUND, Endpoints.notFound(q.path())));
            }
        }

        private void onContent(ChannelHandlerContext ctx, HttpContent content) {
            if (upload != null && !discarding) {
                ByteBuf b = content.content();
                uploaded += b.readableBytes();
                upload.update(b.nioBuffer());
                if (content instanceof LastHttpContent) {
                    String sha = Payloads.hex(upload.digest());
                    upload = null;
                    send(ctx, full(HttpResponseStatus.OK, Endpoints.JSON_TYPE,
                            Endpoints.uploadReply(uploaded, sha).getBytes(StandardCharsets.UTF_8), false));
                }
            }
        }

        private void bytes(ChannelHandlerContext ctx, String raw, boolean head) {
            long n;
            try {
                n = Payloads.parseCount(raw);
            } catch (IllegalArgumentException e) {
                send(ctx, text(HttpResponseStatus.BAD_REQUEST, e.getMessage() + "\n"));
                return;
            }
            if (n <= LARGE_BODY) {
                inOrder(() -> writeBytes(ctx, n, Payloads.sha256Hex(n), head));
                return;
            }
            // Hashing a large body takes seconds: off the event loop, and no further reads meanwhile.
            inOrder(() -> {
                producing = true;
                ctx.channel().config().setAutoRead(false);
                hashing.execute(() -> {
                    String sha = Payloads.sha256Hex(n);
                    ctx.executor().execute(() -> {
                        ctx.channel().config().setAutoRead(true);
                        writeBytes(ctx, n, sha, head);
                        producing = false;
                        writeWaiting();
                    });
                });
            });
        }

        /** Writes now, or after the responses to earlier requests when one of them is still being produced. */
        private void inOrder(Runnable write) {
            waiting.add(write);
            writeWaiting();
        }

        private void writeWaiting() {
            for (Runnable next = producing ? null : waiting.poll(); next != null; next = producing ? null : waiting.poll()) {
                next.run();
            }
        }

        private void writeBytes(ChannelHandlerContext ctx, long n, String sha, boolean head) {
            HttpResponse r = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
            r.headers().set(HttpHeaderNames.CONTENT_TYPE, Endpoints.BINARY_TYPE)
                    .set(HttpHeaderNames.CONTENT_LENGTH, n)
                    .set(Endpoints.SHA_HEADER, sha);
            decorate(r);
            ctx.write(r);
            Object body = head ? LastHttpContent.EMPTY_LAST_CONTENT : new HttpChunkedInput(new DeterministicInput(n));
            finish(ctx.writeAndFlush(body));
        }

        private void send(ChannelHandlerContext ctx, FullHttpResponse r) {
            inOrder(() -> {
                decorate(r);
                finish(ctx.writeAndFlush(r));
            });
        }

        /** While the server stops, every response retires its connection (the policy decides how). */
        private void decorate(HttpResponse r) {
            if (draining) {
                HttpUtil.setKeepAlive(r, false);
            }
        }

        private void finish(ChannelFuture written) {
            written.addListener(f -> busy = producing || !waiting.isEmpty());
            if (draining) {
                written.addListener(ChannelFutureListener.CLOSE);
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }

    private static String param(QueryStringDecoder q, String name) {
        List<String> v = q.parameters().get(name);
        return v == null || v.isEmpty() ? null : v.get(0);
    }

    private static FullHttpResponse text(HttpResponseStatus status, String body) {
        return full(status, Endpoints.TEXT_TYPE, body.getBytes(StandardCharsets.UTF_8), false);
    }

    private static FullHttpResponse full(HttpResponseStatus status, String type, byte[] body, boolean head) {
        FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status,
                head ? Unpooled.EMPTY_BUFFER : Unpooled.wrappedBuffer(body));
        r.headers().set(HttpHeaderNames.CONTENT_TYPE, type).set(HttpHeaderNames.CONTENT_LENGTH, body.length);
        return r;
    }

    /** The body of {@code /bytes}, produced in 64 KiB chunks as the socket drains. */
    private static final class DeterministicInput implements ChunkedInput<ByteBuf> {
        private final long length;
        private long offset;
        private final byte[] scratch = new byte[Payloads.CHUNK];

        DeterministicInput(long length) {
            this.length = length;
        }

        @Override
        public boolean isEndOfInput() {
            return offset >= length;
        }

        @Override
        public void close() {
        }

        @Deprecated
        @Override
        public ByteBuf readChunk(ChannelHandlerContext ctx) {
            return readChunk(ctx.alloc());
        }

        @Override
        public ByteBuf readChunk(ByteBufAllocator allocator) {
            if (isEndOfInput()) {
                return null;
            }
            int len = (int) Math.min(scratch.length, length - offset);
            Payloads.fill(offset, scratch, len);
            offset += len;
            return allocator.buffer(len).writeBytes(scratch, 0, len);
        }

        @Override
        public long length() {
            return length;
        }

        @Override
        public long progress() {
            return offset;
        }
    }
}
