package com.example;

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
import java.nio.charset.StandardCharsets;
import org.closepolicy.ClosePolicy;
import org.closepolicy.netty.NettyClosePolicy;

/**
 * A Netty HTTP server whose connections close as the policy says (default {@code safe-reset}).
 * {@code curl localhost:8080/} answers "hello", {@code curl localhost:8080/stats} shows the close statistics.
 * Arguments: [port] [policy spec], e.g. {@code 8080 "client-first, close.client-wait=1s"}.
 */
public final class Main {

    public static void main(String[] args) throws InterruptedException {
        int port = args.length > 0 ? Integer.parseInt(args[0]) : 8080;
        ClosePolicy policy = ClosePolicy.parse(args.length > 1 ? args[1] : "safe-reset", "the policy argument");
        NettyClosePolicy closePolicy = NettyClosePolicy.builder(policy).build();
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(NioIoHandler.newFactory());
        try {
            Channel server = new ServerBootstrap()
                    .group(group)
                    .channel(NioServerSocketChannel.class)
                    .childHandler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            ch.pipeline().addLast(new HttpServerCodec());
                            closePolicy.installHttp(ch.pipeline());
                            ch.pipeline().addLast(new HttpObjectAggregator(1 << 20), new Hello(closePolicy));
                        }
                    })
                    .bind(port).sync().channel();
            System.out.println("listening on " + server.localAddress() + " with " + policy.toSpec());
            server.closeFuture().sync();
        } finally {
            group.shutdownGracefully();
        }
    }

    /** Answers "hello", or the statistics on /stats. */
    static final class Hello extends SimpleChannelInboundHandler<FullHttpRequest> {
        private final NettyClosePolicy closePolicy;

        Hello(NettyClosePolicy closePolicy) {
            this.closePolicy = closePolicy;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) {
            String body = req.uri().equals("/stats") ? closePolicy.stats().toJson() + "\n" : "hello\n";
            FullHttpResponse res = new DefaultFullHttpResponse(req.protocolVersion(), HttpResponseStatus.OK,
                    Unpooled.copiedBuffer(body, StandardCharsets.UTF_8));
            res.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8")
                    .setInt(HttpHeaderNames.CONTENT_LENGTH, res.content().readableBytes());
            ctx.writeAndFlush(res); // no close here: the policy decides whether and how the connection ends
        }
    }
}
