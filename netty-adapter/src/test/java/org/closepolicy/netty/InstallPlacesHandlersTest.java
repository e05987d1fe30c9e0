package org.closepolicy.netty;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.ssl.SslHandler;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import org.closepolicy.ClosePolicies;
import org.junit.jupiter.api.Test;

/** Where the install helpers put the handlers: after TLS for raw TCP, between the HTTP/2 codec and the multiplexer. */
class InstallPlacesHandlersTest {

    private final NettyClosePolicy closePolicy = NettyClosePolicy.builder(ClosePolicies.clientFirst()).build();

    @Test
    void tcpHandlerGoesRightAfterTheSslHandler() throws Exception {
        SSLEngine engine = SSLContext.getDefault().createSSLEngine();
        engine.setUseClientMode(false);
        EmbeddedChannel ch = new EmbeddedChannel();
        ch.pipeline().addLast("tls", new SslHandler(engine)).addLast("app", new ChannelInboundHandlerAdapter());
        closePolicy.installTcp(ch.pipeline());
        assertThat(ch.pipeline().names()).containsSubsequence("tls", TcpCloseHandler.NAME, "app");
        ch.finishAndReleaseAll();
    }

    @Test
    void tcpHandlerGoesFirstWithoutTls() {
        EmbeddedChannel ch = new EmbeddedChannel();
        ch.pipeline().addLast("app", new ChannelInboundHandlerAdapter());
        closePolicy.installTcp(ch.pipeline());
        assertThat(ch.pipeline().names().get(0)).isEqualTo(TcpCloseHandler.NAME);
        ch.finishAndReleaseAll();
    }

    @Test
    void http2HandlerGoesBetweenCodecAndMultiplexer() {
        EmbeddedChannel ch = new EmbeddedChannel();
        ch.pipeline().addLast("codec", Http2FrameCodecBuilder.forServer().build())
                .addLast("mux", new Http2MultiplexHandler(new ChannelInboundHandlerAdapter()));
        closePolicy.installHttp2(ch.pipeline());
        assertThat(ch.pipeline().names()).containsSubsequence("codec", Http2ClosePolicyHandler.NAME, "mux");
        assertThat(((Http2ClosePolicyHandler) ch.pipeline().get(Http2ClosePolicyHandler.NAME)).connection()).isNotNull();
        ch.finishAndReleaseAll();
    }

    @Test
    void http2InstallNeedsTheCodec() {
        EmbeddedChannel ch = new EmbeddedChannel();
        assertThatThrownBy(() -> closePolicy.installHttp2(ch.pipeline()))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("Http2FrameCodec");
        ch.finishAndReleaseAll();
    }
}
