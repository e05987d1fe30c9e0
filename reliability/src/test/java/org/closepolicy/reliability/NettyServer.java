package org.closepolicy.reliability;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.util.ReferenceCountUtil;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.closepolicy.ClosePolicy;
import org.closepolicy.CloseStats;
import org.closepolicy.netty.NettyClosePolicy;
import org.closepolicy.testkit.TimeWaitCounter;

/** The test routes on Netty: epoll where available (else NIO), two event loops, streaming requests. */
final class NettyServer implements ServerUnderTest {

    private final NettyClosePolicy closePolicy;
    private final CloseRecorder events;
    private final EventLoopGroup group;
    private final Channel server;
    private final TimeWaitCounter.Since timeWait;

    private NettyServer(ClosePolicy policy, Options options) {
        this.events = new CloseRecorder(options.keepEvents());
        this.closePolicy = NettyClosePolicy.builder(policy).listener(events).build();
        boolean epoll = Epoll.isAvailable();
        this.group = new MultiThreadIoEventLoopGroup(2, epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory());
        Class<? extends ServerChannel> type = epoll ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
        this.server = new ServerBootstrap()
                .group(group)
                .channel(type)
                .option(ChannelOption.SO_BACKLOG, 4096)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline().addLast(new HttpServerCodec(4096, Payloads.MAX_HEADER_BYTES, 8192));
                        closePolicy.installHttp(ch.pipeline());
                        ch.pipeline().addLast(new App());
                    }
                })
                .bind(new InetSocketAddress(options.host(), 0)).syncUninterruptibly().channel();
        this.timeWait = TimeWaitCounter.since(address().getPort());
    }

    static NettyServer start(ClosePolicy policy, Options options) {
        return new NettyServer(policy, options);
    }

    @Override
    public Adapter adapter() {
        return Adapter.NETTY;
    }

    @Override
    public InetSocketAddress address() {
        return (InetSocketAddress) server.localAddress();
    }

    @Override
    public CloseStats stats() {
        return closePolicy.stats();
    }

    @Override
    public CloseRecorder events() {
        return events;
    }

    @Override
    public TimeWaitCounter.Since timeWait() {
        return timeWait;
    }

    @Override
    public void close() {
        server.close().syncUninterruptibly();
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
    }

    /**
     * One per connection: answers once the request is read, as an aggregating application would; an upload over
     * the limit gets its 413 at the request head, before the body.
     */
    private static final class App extends ChannelInboundHandlerAdapter {
        private boolean readingUpload;
        private long uploaded;
        private FullHttpResponse pending;

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            try {
                if (msg instanceof HttpRequest req) {
                    onRequest(ctx, req);
                }
                if (msg instanceof HttpContent content) {
                    if (readingUpload) {
                        uploaded += content.content().readableBytes();
                    }
                    if (content instanceof LastHttpContent) {
                        if (readingUpload) {
                            readingUpload = false;
                            ctx.writeAndFlush(text(HttpResponseStatus.OK, "ok " + uploaded + "\n"));
                        } else if (pending != null) {
                            FullHttpResponse r = pending;
                            pending = null;
                            ctx.writeAndFlush(r);
                        }
                    }
                }
            } finally {
                ReferenceCountUtil.release(msg);
            }
        }

        private void onRequest(ChannelHandlerContext ctx, HttpRequest req) {
            readingUpload = false;
            if (req.decoderResult().isFailure()) {
                FullHttpResponse r = text(HttpResponseStatus.BAD_REQUEST, "bad request\n");
                HttpUtil.setKeepAlive(r, false);
                ctx.writeAndFlush(r);
                return;
            }
            pending = null;
            QueryStringDecoder q = new QueryStringDecoder(req.uri());
            switch (q.path()) {
                case "/weather.xml" -> pending = bytes(Payloads.SMALL);
                case "/bytes" -> {
                    List<String> n = q.parameters().get("n");
                    pending = bytes(Integer.parseInt(n.get(0)));
                }
                case "/upload" -> {
                    if (HttpUtil.getContentLength(req, 0L) > Payloads.UPLOAD_LIMIT) {
                        ctx.writeAndFlush(text(HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE, "request body too large\n"));
                    } else {
                        readingUpload = true;
                        uploaded = 0;
                    }
                }
                default -> pending = text(HttpResponseStatus.NOT_FOUND, "not found\n");
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) throws Exception {
            if (pending != null) {
                pending.release();
                pending = null;
            }
            super.channelInactive(ctx);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }

        private static FullHttpResponse bytes(int n) {
            FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK,
                    Unpooled.wrappedBuffer(Payloads.body(n)));
            r.headers().set(HttpHeaderNames.CONTENT_TYPE, "application/octet-stream").setInt(HttpHeaderNames.CONTENT_LENGTH, n);
            return r;
        }

        private static FullHttpResponse text(HttpResponseStatus status, String body) {
            byte[] b = body.getBytes(StandardCharsets.US_ASCII);
            FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, Unpooled.wrappedBuffer(b));
            r.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/plain").setInt(HttpHeaderNames.CONTENT_LENGTH, b.length);
            return r;
        }
    }
}
