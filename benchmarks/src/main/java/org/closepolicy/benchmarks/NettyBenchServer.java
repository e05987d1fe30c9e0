package org.closepolicy.benchmarks;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.ServerSocketChannel;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.closepolicy.testkit.DeterministicBytes;

/**
 * A Netty server on 127.0.0.1, port 0, with two event-loop threads named after a prefix (so that their CPU time can
 * be summed) and the caller's whole pipeline, closepolicy or not.
 * <pre>
 * try (NettyBenchServer s = NettyBenchServer.start(NettyBenchServer.Transport.NIO, "srv0",
 *         p -> p.addLast(new HttpServerCodec(), new HttpObjectAggregator(1 &lt;&lt; 20), new NettyBenchServer.FixedBody(1_900)))) {
 *     // load s.address()
 * }
 * </pre>
 *
 * <p>Thread-safety: start and close from one thread.
 */
final class NettyBenchServer implements AutoCloseable {

    /** The transport of the server. */
    enum Transport { NIO, EPOLL }

    private final EventLoopGroup group;
    private final Channel server;

    private NettyBenchServer(EventLoopGroup group, Channel server) {
        this.group = group;
        this.server = server;
    }

    static NettyBenchServer start(Transport transport, String threadPrefix, Consumer<ChannelPipeline> init) {
        DefaultThreadFactory threads = new DefaultThreadFactory(threadPrefix);
        EventLoopGroup group;
        Class<? extends ServerSocketChannel> type;
        if (transport == Transport.EPOLL) {
            group = new MultiThreadIoEventLoopGroup(2, threads, EpollIoHandler.newFactory());
            type = EpollServerSocketChannel.class;
        } else {
            group = new MultiThreadIoEventLoopGroup(2, threads, NioIoHandler.newFactory());
            type = NioServerSocketChannel.class;
        }
        Channel server = new ServerBootstrap()
                .group(group)
                .channel(type)
                .option(ChannelOption.SO_BACKLOG, 1024)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        init.accept(ch.pipeline());
                    }
                })
                .bind(new InetSocketAddress("127.0.0.1", 0)).syncUninterruptibly().channel();
        return new NettyBenchServer(group, server);
    }

    int port() {
        return address().getPort();
    }

    InetSocketAddress address() {
        return (InetSocketAddress) server.localAddress();
    }

    @Override
    public void close() {
        server.close().syncUninterruptibly();
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
    }

    /** Answers every whole request with {@code n} {@link DeterministicBytes} and a Content-Length. */
    @ChannelHandler.Sharable
    static final class FixedBody extends SimpleChannelInboundHandler<FullHttpRequest> {
        private final ByteBuf body;

        FixedBody(int n) {
            this.body = Unpooled.unreleasableBuffer(Unpooled.wrappedBuffer(DeterministicBytes.generate(n)).asReadOnly());
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) {
            FullHttpResponse res = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK, body.duplicate());
            res.headers().set(HttpHeaderNames.CONTENT_TYPE, "application/xml");
            res.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, body.readableBytes());
            ctx.writeAndFlush(res);
        }
    }
}
