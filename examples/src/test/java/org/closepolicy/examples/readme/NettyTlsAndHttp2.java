package org.closepolicy.examples.readme;

// tag::netty-tls-http2[]
import static io.netty.handler.ssl.ApplicationProtocolNames.HTTP_1_1;
import static io.netty.handler.ssl.ApplicationProtocolNames.HTTP_2;

import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.ssl.ApplicationProtocolNegotiationHandler;
// end::netty-tls-http2[]
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.ssl.SslContext;
import org.closepolicy.netty.NettyClosePolicy;

/** README, "TLS and HTTP/2", Netty: the {@code initChannel} body of a TLS server speaking h2 and http/1.1. */
final class NettyTlsAndHttp2 {

    private NettyTlsAndHttp2() {
    }

    static void initChannel(SocketChannel ch, SslContext sslContext, NettyClosePolicy closePolicy) {
        // tag::netty-tls-http2[]
        ch.pipeline().addLast(sslContext.newHandler(ch.alloc()), new ApplicationProtocolNegotiationHandler(HTTP_1_1) {
            @Override
            protected void configurePipeline(ChannelHandlerContext ctx, String protocol) {
                if (HTTP_2.equals(protocol)) {
                    ctx.pipeline().addLast(Http2FrameCodecBuilder.forServer().build());
                    closePolicy.installHttp2(ctx.pipeline());
                    ctx.pipeline().addLast(new Http2MultiplexHandler(new MyStreamInitializer()));
                } else {
                    ctx.pipeline().addLast(new HttpServerCodec());
                    closePolicy.installHttp(ctx.pipeline());
                    ctx.pipeline().addLast(new MyHandler());
                }
            }
        });
        // end::netty-tls-http2[]
    }

    /** Stands for the application's per-stream initializer. */
    static final class MyStreamInitializer extends ChannelInboundHandlerAdapter {
    }
}
