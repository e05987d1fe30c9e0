package org.closepolicy.netty;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.ServerSocketChannel;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.ssl.SslContext;
import java.net.InetSocketAddress;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.closepolicy.ClosePolicy;
import org.closepolicy.kernel.AckWatcher;

/** A real Netty server on 127.0.0.1, port 0, on NIO or epoll. */
final class TestServer implements AutoCloseable {

    /** The transport under test. */
    enum Kind {
        NIO, EPOLL;

        boolean available() {
            return this == NIO || Epoll.isAvailable();
        }
    }

    final NettyClosePolicy closePolicy;
    final Events events;
    private final EventLoopGroup group;
    private final Channel server;

    private TestServer(Kind kind, NettyClosePolicy closePolicy, Events events, Consumer<ChannelPipeline> init) {
        ThreadFactory threads = new DefaultThreadFactory("test-server");
        this.closePolicy = closePolicy;
        this.events = events;
        Class<? extends ServerSocketChannel> type;
        if (kind == Kind.EPOLL) {
            group = new MultiThreadIoEventLoopGroup(2, threads, EpollIoHandler.newFactory());
            type = EpollServerSocketChannel.class;
        } else {
            group = new MultiThreadIoEventLoopGroup(2, threads, NioIoHandler.newFactory());
            type = NioServerSocketChannel.class;
        }
        ServerBootstrap b = new ServerBootstrap()
                .group(group)
                .channel(type)
                .option(ChannelOption.SO_BACKLOG, 1024)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        init.accept(ch.pipeline());
                    }
                });
        this.server = b.bind(new InetSocketAddress("127.0.0.1", 0)).syncUninterruptibly().channel();
    }

    /** An HTTP server: codec, close policy, aggregator, then the application's handlers. */
    static TestServer http(Kind kind, ClosePolicy policy, Consumer<ChannelPipeline> app) {
        Events events = new Events();
        NettyClosePolicy cp = NettyClosePolicy.builder(policy).listener(events).build();
        return http(kind, cp, events, app);
    }

    static TestServer http(Kind kind, NettyClosePolicy cp, Events events, Consumer<ChannelPipeline> app) {
        return new TestServer(kind, cp, events, p -> {
            p.addLast(new HttpServerCodec());
            cp.installHttp(p);
            app.accept(p);
        });
    }

    /** An HTTP server whose application gets whole requests. */
    static TestServer aggregating(Kind kind, ClosePolicy policy, Consumer<ChannelPipeline> app) {
        return http(kind, policy, p -> {
            p.addLast(new HttpObjectAggregator(1 << 20));
            app.accept(p);
        });
    }

    /** An HTTPS (HTTP/1.1 over TLS) server: TLS, codec, close policy, aggregator, then the application. */
    static TestServer tls(Kind kind, ClosePolicy policy, Consumer<ChannelPipeline> app) {
        Events events = new Events();
        NettyClosePolicy cp = NettyClosePolicy.builder(policy).listener(events).build();
        SslContext ssl = SelfSignedTls.get().server(false);
        return new TestServer(kind, cp, events, p -> {
            p.addLast(ssl.newHandler(p.channel().alloc()));
            p.addLast(new HttpServerCodec());
            cp.installHttp(p);
            p.addLast(new HttpObjectAggregator(1 << 20));
            app.accept(p);
        });
    }

    /** A server with the caller's pipeline and a close policy with an event recorder. */
    static TestServer custom(Kind kind, ClosePolicy policy, java.util.function.BiConsumer<NettyClosePolicy, ChannelPipeline> init) {
        Events events = new Events();
        NettyClosePolicy cp = NettyClosePolicy.builder(policy).listener(events).build();
        return new TestServer(kind, cp, events, p -> init.accept(cp, p));
    }

    /** A raw TCP server: the close-policy handler first, then the application. */
    static TestServer tcp(Kind kind, ClosePolicy policy, Consumer<ChannelPipeline> app) {
        Events events = new Events();
        NettyClosePolicy cp = NettyClosePolicy.builder(policy).listener(events).build();
        return new TestServer(kind, cp, events, p -> {
            cp.installTcp(p);
            app.accept(p);
        });
    }

    /** A server whose pipeline is entirely the caller's (for baselines without closepolicy). */
    static TestServer raw(Kind kind, Consumer<ChannelPipeline> init) {
        return new TestServer(kind, null, new Events(), init);
    }

    static NettyClosePolicy.Builder builder(ClosePolicy policy, Events events) {
        return NettyClosePolicy.builder(policy).listener(events).ackWatcher(AckWatcher.shared());
    }

    int port() {
        return ((InetSocketAddress) server.localAddress()).getPort();
    }

    InetSocketAddress address() {
        return (InetSocketAddress) server.localAddress();
    }

    @Override
    public void close() {
        server.close().syncUninterruptibly();
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
    }
}
