package org.closepolicy.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

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
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.closepolicy.CloseMode;
import org.closepolicy.ClosePolicy;
import org.closepolicy.CloseStats;
import org.closepolicy.WhoClosed;
import org.closepolicy.jetty.ClosePolicyConnector;
import org.closepolicy.netty.NettyClosePolicy;
import org.closepolicy.testkit.DeterministicBytes;
import org.closepolicy.testkit.HttpResult;
import org.closepolicy.testkit.RawHttpClient;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.util.Callback;
import org.junit.jupiter.api.Test;

/**
 * The same traffic to a Netty and a Jetty server under the same policy gives the same counters: requests, closes by
 * who and mode, and bytes as {@link org.closepolicy.CloseEvent} defines them (the HTTP bytes on the wire, heads
 * included), each equal to what the client sent and received.
 */
class CountersAgreeAcrossAdaptersTest {

    private static final String POLICY = "client-first";
    private static final int GETS = 20;
    private static final int POSTS = 10;
    private static final int POST_BODY = 1_000;
    private static final byte[] BODY = DeterministicBytes.generate(1_900);

    @Test
    void nettyAndJettyCountTheSameTraffic() throws Exception {
        Counted netty;
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        try {
            NettyClosePolicy closePolicy = NettyClosePolicy.builder(ClosePolicy.parse(POLICY)).build();
            Channel server = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                    .childHandler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            ch.pipeline().addLast(new HttpServerCodec());
                            closePolicy.installHttp(ch.pipeline());
                            ch.pipeline().addLast(new HttpObjectAggregator(1 << 20), new Fixed());
                        }
                    })
                    .bind("127.0.0.1", 0).sync().channel();
            netty = drive((InetSocketAddress) server.localAddress(), closePolicy.stats());
            server.close().sync();
        } finally {
            group.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS).sync();
        }

        Counted jetty;
        Server server = new Server();
        HttpConfiguration config = new HttpConfiguration();
        config.setSendServerVersion(false);
        config.setSendDateHeader(false);
        ClosePolicyConnector connector = ClosePolicyConnector.builder(server, ClosePolicy.parse(POLICY))
                .factories(new HttpConnectionFactory(config)).host("127.0.0.1").port(0).addTo();
        server.setHandler(new Handler.Abstract() {
            @Override
            public boolean handle(Request request, Response response, Callback callback) throws Exception {
                Content.Source.consumeAll(request);
                response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/xml");
                response.getHeaders().put(HttpHeader.CONTENT_LENGTH, BODY.length);
                response.write(true, ByteBuffer.wrap(BODY), callback);
                return true;
            }
        });
        server.start();
        try {
            jetty = drive(new InetSocketAddress("127.0.0.1", connector.getLocalPort()), connector.stats());
        } finally {
            server.stop();
        }

        for (Counted c : List.of(netty, jetty)) {
            assertThat(c.stats.closed()).isEqualTo(GETS + POSTS);
            assertThat(c.stats.bytesIn()).as("bytesIn = request bytes sent").isEqualTo(c.sent);
            assertThat(c.stats.bytesOut()).as("bytesOut = response bytes received").isEqualTo(c.received);
        }
        assertThat(netty.sent).isEqualTo(jetty.sent);
        assertThat(netty.stats.requests()).isEqualTo(jetty.stats.requests()).isEqualTo(GETS + POSTS);
        for (WhoClosed w : WhoClosed.values()) {
            assertThat(netty.stats.whoClosed(w)).as("who=%s", w).isEqualTo(jetty.stats.whoClosed(w));
        }
        for (CloseMode m : CloseMode.values()) {
            assertThat(netty.stats.usedMode(m)).as("mode=%s", m).isEqualTo(jetty.stats.usedMode(m));
        }
        System.out.println("netty " + netty.stats.toJson() + "\njetty " + jetty.stats.toJson());
    }

    private record Counted(CloseStats stats, long sent, long received) {
    }

    /** One request per connection; the client closes after reading, as curl does. */
    private static Counted drive(InetSocketAddress address, CloseStats stats) {
        List<HttpResult> results = new ArrayList<>();
        RawHttpClient get = RawHttpClient.builder(address).path("/weather.xml").build();
        RawHttpClient post = RawHttpClient.builder(address).method("POST").path("/upload").deterministicBody(POST_BODY).build();
        for (int i = 0; i < GETS; i++) {
            results.add(get.send());
        }
        for (int i = 0; i < POSTS; i++) {
            results.add(post.send());
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> stats.closed() == GETS + POSTS);
        long sent = 0;
        long received = 0;
        for (HttpResult r : results) {
            assertThat(r.status()).as("%s", r).isEqualTo(200);
            assertThat(r.bodyLength()).isEqualTo(BODY.length);
            sent += r.requestBytesSent();
            received += headLength(r) + r.bodyLength();
        }
        return new Counted(stats, sent, received);
    }

    /** The response head as sent: status line, {@code name: value} lines, blank line. */
    private static long headLength(HttpResult r) {
        long n = (r.version() + " " + r.status() + " " + r.reason() + "\r\n").length() + 2;
        for (Map.Entry<String, String> h : r.headers().asList()) {
            n += h.getKey().length() + 2 + h.getValue().length() + 2;
        }
        return n;
    }

    /** Netty: the same response as the Jetty handler. */
    private static final class Fixed extends SimpleChannelInboundHandler<FullHttpRequest> {
        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) {
            FullHttpResponse res = new DefaultFullHttpResponse(req.protocolVersion(), HttpResponseStatus.OK, Unpooled.wrappedBuffer(BODY));
            res.headers().set(HttpHeaderNames.CONTENT_TYPE, "application/xml").setInt(HttpHeaderNames.CONTENT_LENGTH, BODY.length);
            ctx.writeAndFlush(res);
        }
    }
}
