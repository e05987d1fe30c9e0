package org.closepolicy.netty;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.HttpRequestDecoder;
import io.netty.handler.codec.http.HttpResponseEncoder;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpServerKeepAliveHandler;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import java.nio.charset.StandardCharsets;
import org.closepolicy.ClosePolicies;
import org.junit.jupiter.api.Test;

/** Each way of wiring the Netty handlers wrongly fails at once (or warns) with a message that names the fix. */
class MiswiredPipelineFailsWithTheFixTest {

    private final NettyClosePolicy closePolicy = NettyClosePolicy.builder(ClosePolicies.clientFirst()).build();

    @Test
    void installHttpBeforeTheCodecSaysToAddTheCodecFirst() {
        EmbeddedChannel ch = new EmbeddedChannel();
        assertThatThrownBy(() -> closePolicy.installHttp(ch.pipeline()))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("no HttpServerCodec")
                .hasMessageContaining("pipeline.addLast(new HttpServerCodec()); closePolicy.installHttp(pipeline)");
        assertThat(ch.pipeline().get(ClosePolicyHandler.class)).isNull();
        ch.finishAndReleaseAll();
    }

    @Test
    void installHttpWithADecoderButNoEncoderNamesTheMissingHalf() {
        EmbeddedChannel ch = new EmbeddedChannel(new HttpRequestDecoder());
        assertThatThrownBy(() -> closePolicy.installHttp(ch.pipeline()))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("no HttpResponseEncoder")
                .hasMessageContaining("new HttpServerCodec()");
        ch.finishAndReleaseAll();
    }

    @Test
    void installHttpOnAnHttp2PipelinePointsToInstallHttp2() {
        EmbeddedChannel ch = new EmbeddedChannel(Http2FrameCodecBuilder.forServer().build());
        assertThatThrownBy(() -> closePolicy.installHttp(ch.pipeline()))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("use installHttp2");
        ch.finishAndReleaseAll();
    }

    @Test
    void installHttpGoesAfterTheLaterOfDecoderAndEncoder() {
        EmbeddedChannel ch = new EmbeddedChannel();
        ch.pipeline().addLast("decoder", new HttpRequestDecoder()).addLast("encoder", new HttpResponseEncoder())
                .addLast("app", new ChannelInboundHandlerAdapter());
        closePolicy.installHttp(ch.pipeline());
        assertThat(ch.pipeline().names()).containsSubsequence("decoder", "encoder", ClosePolicyHandler.NAME, "app");
        ch.finishAndReleaseAll();
    }

    @Test
    void installHttpReplacesTheKeepAliveHandler() {
        EmbeddedChannel ch = new EmbeddedChannel();
        ch.pipeline().addLast("codec", new HttpServerCodec()).addLast("keepAlive", new HttpServerKeepAliveHandler());
        closePolicy.installHttp(ch.pipeline());
        assertThat(ch.pipeline().names()).containsSubsequence("codec", ClosePolicyHandler.NAME).doesNotContain("keepAlive");
        ch.finishAndReleaseAll();
    }

    @Test
    void installingTwiceSaysOncePerConnection() {
        EmbeddedChannel ch = new EmbeddedChannel(new HttpServerCodec());
        closePolicy.installHttp(ch.pipeline());
        assertThatThrownBy(() -> closePolicy.installHttp(ch.pipeline()))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("once per connection");
        ch.finishAndReleaseAll();
    }

    @Test
    void installHttp2BeforeTheCodecSaysToAddTheCodecFirst() {
        EmbeddedChannel ch = new EmbeddedChannel();
        assertThatThrownBy(() -> closePolicy.installHttp2(ch.pipeline()))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("Http2FrameCodecBuilder.forServer().build()); closePolicy.installHttp2(pipeline)");
        ch.finishAndReleaseAll();
    }

    @Test
    void installTcpOnAnHttpPipelinePointsToInstallHttp() {
        EmbeddedChannel ch = new EmbeddedChannel(new HttpServerCodec());
        assertThatThrownBy(() -> closePolicy.installTcp(ch.pipeline()))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("closePolicy.installHttp(pipeline) right after pipeline.addLast(new HttpServerCodec())");
        ch.finishAndReleaseAll();
    }

    @Test
    void installTcpOnAnHttp2PipelinePointsToInstallHttp2() {
        EmbeddedChannel ch = new EmbeddedChannel(Http2FrameCodecBuilder.forServer().build());
        assertThatThrownBy(() -> closePolicy.installTcp(ch.pipeline()))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("installHttp2");
        ch.finishAndReleaseAll();
    }

    @Test
    void anHttpHandlerBeforeTheCodecWarnsThatItSeesBytesAndNamesTheFix() {
        // Built by hand (installHttp would refuse): the policy handler first, the codec after it.
        EmbeddedChannel ch = new EmbeddedChannel(closePolicy.newHttpHandler(), new HttpServerCodec());
        ch.writeInbound(Unpooled.copiedBuffer("GET / HTTP/1.1\r\nHost: x\r\n\r\n", StandardCharsets.US_ASCII));

        assertThat(ClosePolicyHandler.MISPLACED.logged()).isTrue();
        assertThat(ClosePolicyHandler.MISPLACED.message(ch.pipeline().firstContext(), Unpooled.EMPTY_BUFFER))
                .contains("ClosePolicyHandler received a", "ByteBuf", "does nothing")
                .contains("pipeline.addLast(new HttpServerCodec()); closePolicy.installHttp(pipeline)");
        ch.finishAndReleaseAll();
    }

    @Test
    void anHttp2HandlerBeforeTheCodecWarnsWithTheFix() {
        EmbeddedChannel ch = new EmbeddedChannel(new ChannelInboundHandlerAdapter());
        assertThat(Http2ClosePolicyHandler.MISPLACED.message(ch.pipeline().firstContext(), Unpooled.EMPTY_BUFFER))
                .contains("closePolicy.installHttp2(pipeline)");
        ch.finishAndReleaseAll();
    }

    @Test
    void aTcpHandlerAfterADecoderWarnsThatItSeesDecodedMessages() {
        EmbeddedChannel ch = new EmbeddedChannel(new HttpRequestDecoder(), closePolicy.newTcpHandler());
        ch.writeInbound(Unpooled.copiedBuffer("GET / HTTP/1.1\r\nHost: x\r\n\r\n", StandardCharsets.US_ASCII));

        assertThat(TcpCloseHandler.MISPLACED.logged()).isTrue();
        assertThat(TcpCloseHandler.MISPLACED.message(ch.pipeline().firstContext(), "x"))
                .contains("java.lang.String", "installTcp(pipeline) puts it first");
        ch.finishAndReleaseAll();
    }
}
