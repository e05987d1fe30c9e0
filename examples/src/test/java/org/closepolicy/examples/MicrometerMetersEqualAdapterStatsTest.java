package org.closepolicy.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.closepolicy.ClosePolicies;
import org.closepolicy.CloseStats;
import org.closepolicy.jetty.ClosePolicyConnector;
import org.closepolicy.micrometer.ClosePolicyMetrics;
import org.closepolicy.netty.NettyClosePolicy;
import org.closepolicy.testkit.RawHttpClient;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.util.Callback;
import org.junit.jupiter.api.Test;

/** The README's Micrometer recipe, pasted: the meters equal the adapter's own stats after real traffic, counted once. */
class MicrometerMetersEqualAdapterStatsTest {

    private static final int CONNECTIONS = 25;

    @Test
    void nettyMetersEqualItsStats() throws Exception {
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        try {
            NettyClosePolicy closePolicy = NettyClosePolicy.builder(ClosePolicies.clientFirst()).build();
            SimpleMeterRegistry registry = new SimpleMeterRegistry();
            ClosePolicyMetrics.bind(registry, closePolicy.stats());
            Channel server = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                    .childHandler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            ch.pipeline().addLast(new HttpServerCodec());
                            closePolicy.installHttp(ch.pipeline());
                            ch.pipeline().addLast(new HttpObjectAggregator(1 << 16), new Hello());
                        }
                    })
                    .bind("127.0.0.1", 0).sync().channel();
            try {
                driveAndCompare((InetSocketAddress) server.localAddress(), closePolicy.stats(), registry);
            } finally {
                server.close().sync();
            }
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        }
    }

    @Test
    void jettyMetersEqualItsStats() throws Exception {
        Server server = new Server();
        ClosePolicyConnector connector = ClosePolicyConnector.builder(server, ClosePolicies.safeReset()).host("127.0.0.1").addTo();
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        ClosePolicyMetrics.bind(registry, connector.stats());
        server.setHandler(new Handler.Abstract.NonBlocking() {
            @Override
            public boolean handle(Request request, Response response, Callback callback) {
                Content.Sink.write(response, true, "hello\n", callback);
                return true;
            }
        });
        server.start();
        try {
            driveAndCompare(new InetSocketAddress("127.0.0.1", connector.getLocalPort()), connector.stats(), registry);
        } finally {
            server.stop();
        }
    }

    private static void driveAndCompare(InetSocketAddress address, CloseStats stats, SimpleMeterRegistry registry) {
        RawHttpClient curl = RawHttpClient.builder(address).path("/").build();
        for (int i = 0; i < CONNECTIONS; i++) {
            assertThat(curl.send().status()).isEqualTo(200);
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> stats.closed() == CONNECTIONS);

        double closed = registry.find("closepolicy.connections.closed").counters().stream().mapToDouble(c -> c.count()).sum();
        assertThat(closed).as("every close recorded once").isEqualTo(CONNECTIONS);
        assertThat(registry.get("closepolicy.connections.opened").functionCounter().count()).isEqualTo(stats.opened());
        assertThat(registry.get("closepolicy.requests").functionCounter().count()).isEqualTo(stats.requests()).isEqualTo(CONNECTIONS);
        assertThat(registry.get("closepolicy.decisions").tag("decision", "retire").functionCounter().count())
                .isEqualTo(stats.retired()).isEqualTo(CONNECTIONS);
        assertThat(registry.get("closepolicy.close.duration").timers().stream().mapToLong(t -> t.count()).sum())
                .isEqualTo(CONNECTIONS);
    }

    private static final class Hello extends SimpleChannelInboundHandler<FullHttpRequest> {
        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) {
            DefaultFullHttpResponse res = new DefaultFullHttpResponse(req.protocolVersion(), HttpResponseStatus.OK,
                    Unpooled.copiedBuffer(new byte[] {'h', 'i', '\n'}));
            res.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, 3);
            ctx.writeAndFlush(res);
        }
    }
}
