package org.closepolicy.examples.readme;

// tag::netty-quick-start[]
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import org.closepolicy.ClosePolicies;
import org.closepolicy.netty.NettyClosePolicy;
// end::netty-quick-start[]

/** README, "Quick start / Netty". {@code MyHandler} stands for the application's handler. */
final class NettyQuickStart {

    private NettyQuickStart() {
    }

    static String start() throws InterruptedException {
        // tag::netty-quick-start[]
        NettyClosePolicy closePolicy = NettyClosePolicy.builder(ClosePolicies.safeReset()).build();
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(NioIoHandler.newFactory());

        new ServerBootstrap()
            .group(group)
            .channel(NioServerSocketChannel.class)
            .childHandler(new ChannelInitializer<SocketChannel>() {
                @Override
                protected void initChannel(SocketChannel ch) {
                    ch.pipeline().addLast(new HttpServerCodec());
                    closePolicy.installHttp(ch.pipeline());          // after the codec; replaces HttpServerKeepAliveHandler
                    ch.pipeline().addLast(new HttpObjectAggregator(1 << 20), new MyHandler());
                }
            })
            .bind(8080).sync();

        String json = closePolicy.stats().toJson();
        // end::netty-quick-start[]
        group.shutdownGracefully();
        return json;
    }
}
