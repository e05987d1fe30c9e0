package org.closepolicy.netty;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http2.DefaultHttp2DataFrame;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.codec.http2.Http2Connection;
import io.netty.handler.codec.http2.Http2ConnectionAdapter;
import io.netty.handler.codec.http2.Http2DataFrame;
import io.netty.handler.codec.http2.Http2FrameCodec;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2GoAwayFrame;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamChannelBootstrap;
import io.netty.handler.codec.http2.Http2StreamFrame;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.ApplicationProtocolNegotiationHandler;
import io.netty.handler.ssl.SslContext;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.net.InetSocketAddress;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.closepolicy.ClosePolicy;
import org.closepolicy.testkit.DeterministicBytes;
import org.closepolicy.testkit.Sha256;

/** HTTP/2 test servers (h2c with prior knowledge, h2 over TLS with ALPN), their stream application, and a Netty h2c client. */
final class H2 {

    /** The slow response: 1 MB in 20 pieces, one every 50 ms. */
    static final int SLOW = 1_000_000;

    private H2() {
    }

    /** An h2c server (prior knowledge); {@code goAways} counts the GOAWAY frames the codecs send. */
    static TestServer h2c(ClosePolicy policy, AtomicInteger goAways) {
        return TestServer.custom(TestServer.Kind.NIO, policy, (cp, p) -> http2(cp, p, goAways));
    }

    /** An h2 server over TLS, ALPN choosing h2 or http/1.1. */
    static TestServer h2(ClosePolicy policy, AtomicInteger goAways) {
        SslContext tls = SelfSignedTls.get().server(true);
        return TestServer.custom(TestServer.Kind.NIO, policy, (cp, p) -> {
            p.addLast(tls.newHandler(p.channel().alloc()));
            p.addLast(new ApplicationProtocolNegotiationHandler(ApplicationProtocolNames.HTTP_1_1) {
                @Override
                protected void configurePipeline(ChannelHandlerContext ctx, String protocol) {
                    if (ApplicationProtocolNames.HTTP_2.equals(protocol)) {
                        http2(cp, ctx.pipeline(), goAways);
                    } else {
                        ctx.pipeline().addLast(new HttpServerCodec());
                        cp.installHttp(ctx.pipeline());
                        ctx.pipeline().addLast(new HttpObjectAggregator(1 << 20), new Apps.Fixed(Apps.SMALL));
                    }
                }
            });
        });
    }

    private static void http2(NettyClosePolicy cp, ChannelPipeline p, AtomicInteger goAways) {
        Http2FrameCodec codec = Http2FrameCodecBuilder.forServer().build();
        codec.connection().addListener(new Http2ConnectionAdapter() {
            @Override
            public void onGoAwaySent(int lastStreamId, long errorCode, ByteBuf debugData) {
                goAways.incrementAndGet();
            }
        });
        p.addLast(codec);
        cp.installHttp2(p);
        p.addLast(new Http2MultiplexHandler(new ChannelInitializer<Http2StreamChannel>() {
            @Override
            protected void initChannel(Http2StreamChannel ch) {
                ch.pipeline().addLast(new App());
            }
        }));
    }

    /**
     * Answers each stream by its path: {@code /slow} sends {@link #SLOW} bytes over about a second, {@code /never}
     * sends its head and one piece and never ends, anything else {@link Apps#SMALL} bytes at once;
     * {@code /retire} first retires the connection with {@link CloseControl#retire}.
     */
    static final class App extends ChannelInboundHandlerAdapter {
        private String path;

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            try {
                if (msg instanceof Http2HeadersFrame h) {
                    path = String.valueOf(h.headers().path());
                    if (path.equals("/retire")) {
                        CloseControl.retire(ctx.channel().parent());
                    }
                    if (h.isEndStream()) {
                        respond(ctx);
                    }
                } else if (msg instanceof Http2DataFrame d && d.isEndStream()) {
                    respond(ctx);
                }
            } finally {
                ReferenceCountUtil.release(msg);
            }
        }

        private void respond(ChannelHandlerContext ctx) {
            int size = path.equals("/slow") ? SLOW : path.equals("/never") ? SLOW : Apps.SMALL;
            Http2Headers headers = new DefaultHttp2Headers().status("200").setInt("content-length", size);
            ctx.write(new DefaultHttp2HeadersFrame(headers));
            if (path.equals("/slow") || path.equals("/never")) {
                int pieces = path.equals("/never") ? 1 : 20;
                piece(ctx, 0, SLOW / 20, pieces);
            } else {
                ctx.writeAndFlush(new DefaultHttp2DataFrame(Unpooled.wrappedBuffer(DeterministicBytes.generate(size)), true));
            }
        }

        private static void piece(ChannelHandlerContext ctx, int i, int pieceSize, int pieces) {
            if (!ctx.channel().isActive()) {
                return;
            }
            byte[] b = new byte[pieceSize];
            DeterministicBytes.fill(b, 0, pieceSize, (long) i * pieceSize);
            boolean last = i == 19;
            ctx.writeAndFlush(new DefaultHttp2DataFrame(Unpooled.wrappedBuffer(b), last));
            if (!last && i + 1 < pieces) {
                ctx.executor().schedule(() -> piece(ctx, i + 1, pieceSize, pieces), 50, TimeUnit.MILLISECONDS);
            }
        }
    }

    /** One response as the client saw it. */
    record Result(int status, long length, String sha256) {
    }

    /**
     * A Netty HTTP/2 client on one connection: h2c with prior knowledge, or h2 over TLS when given a context.
     * Like a well-behaved client it closes the connection once a GOAWAY came and its last stream ended, when
     * {@code closeAfterGoAway}.
     */
    static final class Client implements AutoCloseable {
        /** One event loop for every client of the test JVM (daemon thread): connections are cheap, groups are not. */
        private static final EventLoopGroup GROUP = new MultiThreadIoEventLoopGroup(1,
                new DefaultThreadFactory("test-h2-client", true), NioIoHandler.newFactory());

        final Channel parent;
        final CountDownLatch goAway = new CountDownLatch(1);
        /** Response heads received: a stream counted here was accepted by the server. */
        final AtomicInteger heads = new AtomicInteger();
        private final EventLoopGroup group = GROUP;
        private final Http2FrameCodec codec;
        private final boolean closeAfterGoAway;

        Client(InetSocketAddress target, boolean closeAfterGoAway) {
            this(target, null, closeAfterGoAway);
        }

        Client(InetSocketAddress target, SslContext tls, boolean closeAfterGoAway) {
            this.closeAfterGoAway = closeAfterGoAway;
            this.codec = Http2FrameCodecBuilder.forClient().build();
            codec.connection().addListener(new Http2ConnectionAdapter() {
                @Override
                public void onStreamClosed(io.netty.handler.codec.http2.Http2Stream stream) {
                    parentLater();
                }
            });
            Bootstrap b = new Bootstrap().group(group).channel(NioSocketChannel.class).handler(new ChannelInitializer<SocketChannel>() {
                @Override
                protected void initChannel(SocketChannel ch) {
                    if (tls != null) {
                        ch.pipeline().addLast(tls.newHandler(ch.alloc(), "localhost", target.getPort()));
                    }
                    ch.pipeline().addLast(codec, new Http2MultiplexHandler(new ChannelInboundHandlerAdapter()),
                            new ChannelInboundHandlerAdapter() {
                                @Override
                                public void channelRead(ChannelHandlerContext ctx, Object msg) {
                                    if (msg instanceof Http2GoAwayFrame) {
                                        goAway.countDown();
                                        parentLater();
                                    }
                                    ReferenceCountUtil.release(msg);
                                }
                            });
                }
            });
            this.parent = b.connect(target).syncUninterruptibly().channel();
        }

        private void parentLater() {
            if (closeAfterGoAway) {
                group.execute(() -> {
                    Http2Connection c = codec.connection();
                    if (goAway.getCount() == 0 && c.numActiveStreams() == 0) {
                        parent.close();
                    }
                });
            }
        }

        /** Opens a stream with a GET of {@code path}. */
        CompletableFuture<Result> get(String path) {
            CompletableFuture<Result> result = new CompletableFuture<>();
            Http2StreamChannel stream = new Http2StreamChannelBootstrap(parent).handler(new SimpleChannelInboundHandler<Http2StreamFrame>() {
                private final Sha256 sha = new Sha256();
                private int status;

                @Override
                protected void channelRead0(ChannelHandlerContext ctx, Http2StreamFrame frame) {
                    boolean end = false;
                    if (frame instanceof Http2HeadersFrame h) {
                        heads.incrementAndGet();
                        status = h.headers().status() == null ? status : Integer.parseInt(h.headers().status().toString());
                        end = h.isEndStream();
                    } else if (frame instanceof Http2DataFrame d) {
                        ByteBuf c = d.content();
                        byte[] b = new byte[c.readableBytes()];
                        c.getBytes(c.readerIndex(), b);
                        sha.update(b);
                        end = d.isEndStream();
                    }
                    if (end) {
                        result.complete(new Result(status, sha.length(), sha.hex()));
                    }
                }

                @Override
                public void channelInactive(ChannelHandlerContext ctx) {
                    result.completeExceptionally(new IllegalStateException("stream closed before its end, " + sha.length() + " bytes"));
                }
            }).open().syncUninterruptibly().getNow();
            Http2Headers h = new DefaultHttp2Headers().method("GET").path(path).scheme("http").authority("localhost");
            stream.writeAndFlush(new DefaultHttp2HeadersFrame(h, true));
            return result;
        }

        @Override
        public void close() {
            parent.close().syncUninterruptibly();
        }
    }
}
