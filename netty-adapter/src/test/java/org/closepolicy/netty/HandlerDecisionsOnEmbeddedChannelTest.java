package org.closepolicy.netty;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import org.closepolicy.ClosePolicies;
import org.closepolicy.ClosePolicy;
import org.closepolicy.Preset;
import org.junit.jupiter.api.Test;

/** Headers that announce the decision, dropped requests, application closes and upgrades, on an embedded channel. */
class HandlerDecisionsOnEmbeddedChannelTest {

    private static EmbeddedChannel channel(ClosePolicy policy) {
        return new EmbeddedChannel(NettyClosePolicy.builder(policy).build().newHttpHandler());
    }

    static FullHttpResponse exchange(EmbeddedChannel ch, FullHttpRequest req) {
        ch.writeInbound(req);
        FullHttpRequest got = ch.readInbound();
        got.release();
        FullHttpResponse res = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
        res.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, 0);
        ch.writeOutbound(res);
        return ch.readOutbound();
    }

    private static FullHttpRequest get(HttpVersion v) {
        return new DefaultFullHttpRequest(v, HttpMethod.GET, "/");
    }

    @Test
    void reusedHttp10KeepAliveResponseSaysKeepAlive() {
        EmbeddedChannel ch = channel(ClosePolicies.keepAlive());
        FullHttpRequest req = get(HttpVersion.HTTP_1_0);
        req.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
        FullHttpResponse res = exchange(ch, req);
        assertThat(res.headers().get(HttpHeaderNames.CONNECTION)).isEqualTo("keep-alive");
        assertThat(ch.isOpen()).isTrue();
        ch.finishAndReleaseAll();
    }

    @Test
    void reusedHttp11ResponseHasNoConnectionHeader() {
        EmbeddedChannel ch = channel(ClosePolicies.keepAlive());
        FullHttpResponse res = exchange(ch, get(HttpVersion.HTTP_1_1));
        assertThat(res.headers().contains(HttpHeaderNames.CONNECTION)).isFalse();
        ch.finishAndReleaseAll();
    }

    @Test
    void retiringResponseSaysClose() {
        EmbeddedChannel ch = channel(ClosePolicy.builder(Preset.KEEP_ALIVE).maxRequests(2).jitter(0).build());
        assertThat(exchange(ch, get(HttpVersion.HTTP_1_1)).headers().contains(HttpHeaderNames.CONNECTION)).isFalse();
        assertThat(exchange(ch, get(HttpVersion.HTTP_1_1)).headers().get(HttpHeaderNames.CONNECTION)).isEqualTo("close");
        ch.finishAndReleaseAll();
    }

    @Test
    void clientsConnectionCloseIsHonoured() {
        EmbeddedChannel ch = channel(ClosePolicies.keepAlive());
        FullHttpRequest req = get(HttpVersion.HTTP_1_1);
        req.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        assertThat(exchange(ch, req).headers().get(HttpHeaderNames.CONNECTION)).isEqualTo("close");
        ch.finishAndReleaseAll();
    }

    @Test
    void requestsAfterTheRetiringOneAreDropped() {
        EmbeddedChannel ch = channel(ClosePolicies.clientFirst());
        ch.writeInbound(get(HttpVersion.HTTP_1_1));
        FullHttpRequest first = ch.readInbound();
        first.release();
        FullHttpResponse res = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
        res.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, 0);
        ch.writeOutbound(res);
        ch.writeInbound(get(HttpVersion.HTTP_1_1));
        Object next = ch.readInbound();
        assertThat(next).as("a request after the retiring response").isNull();
        ch.finishAndReleaseAll();
    }

    @Test
    void headResponseWithoutLengthIsStillReused() {
        EmbeddedChannel ch = channel(ClosePolicies.keepAlive());
        ch.writeInbound(new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.HEAD, "/"));
        FullHttpRequest got = ch.readInbound();
        got.release();
        ch.writeOutbound(new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK));
        FullHttpResponse res = ch.readOutbound();
        assertThat(res.headers().contains(HttpHeaderNames.CONNECTION)).isFalse();
        ch.finishAndReleaseAll();
    }

    @Test
    void responseWithoutLengthIsClosedByTheServer() {
        EmbeddedChannel ch = channel(ClosePolicies.clientFirst());
        ch.writeInbound(get(HttpVersion.HTTP_1_1));
        FullHttpRequest got = ch.readInbound();
        got.release();
        ch.writeOutbound(new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK));
        FullHttpResponse res = ch.readOutbound();
        assertThat(res.headers().get(HttpHeaderNames.CONNECTION)).isEqualTo("close");
        ch.runPendingTasks();
        assertThat(ch.isOpen()).as("EOF-delimited: the server closes at once").isFalse();
        ch.finishAndReleaseAll();
    }

    @Test
    void informationalResponsesAreNotCounted() {
        EmbeddedChannel ch = channel(ClosePolicy.builder(Preset.KEEP_ALIVE).maxRequests(1).jitter(0).build());
        ch.writeInbound(get(HttpVersion.HTTP_1_1));
        FullHttpRequest got = ch.readInbound();
        got.release();
        ch.writeOutbound(new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.CONTINUE));
        FullHttpResponse cont = ch.readOutbound();
        assertThat(cont.headers().contains(HttpHeaderNames.CONNECTION)).isFalse();
        cont.release();
        FullHttpResponse res = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
        res.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, 0);
        ch.writeOutbound(res);
        FullHttpResponse fin = ch.readOutbound();
        assertThat(fin.headers().get(HttpHeaderNames.CONNECTION)).isEqualTo("close");
        ch.finishAndReleaseAll();
    }

    @Test
    void applicationCloseOnAnIdleConnectionGoesThroughThePolicy() {
        EmbeddedChannel ch = channel(ClosePolicies.keepAlive());
        exchange(ch, get(HttpVersion.HTTP_1_1)).release();
        ClosePolicyHandler h = ch.pipeline().get(ClosePolicyHandler.class);
        io.netty.channel.ChannelFuture closing = ch.close();
        ch.runPendingTasks();
        // keep-alive ends an unannounced close with its fallback (an RST once every byte is acknowledged), which
        // an embedded channel cannot check: it falls back to FIN, and the application's future completes then.
        org.closepolicy.CloseEvent e = h.connection().machine().event();
        assertThat(e).isNotNull();
        assertThat(e.retireReason()).isEqualTo(org.closepolicy.RetireReason.APPLICATION);
        assertThat(e.plannedCloser()).isEqualTo(org.closepolicy.Closer.SERVER_FIRST);
        assertThat(e.fallbackReason()).isEqualTo(org.closepolicy.FallbackReason.ACK_CHECK_UNSUPPORTED);
        assertThat(closing.isDone()).isTrue();
        ch.finishAndReleaseAll();
    }

    @Test
    void switchingProtocolsStopsTheHandler() {
        EmbeddedChannel ch = channel(ClosePolicies.clientFirst());
        ch.writeInbound(get(HttpVersion.HTTP_1_1));
        FullHttpRequest got = ch.readInbound();
        got.release();
        ch.writeOutbound(new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.SWITCHING_PROTOCOLS));
        FullHttpResponse res = ch.readOutbound();
        assertThat(res.headers().contains(HttpHeaderNames.CONNECTION)).isFalse();
        res.release();
        ch.writeInbound(io.netty.buffer.Unpooled.copiedBuffer("frame", java.nio.charset.StandardCharsets.US_ASCII));
        io.netty.buffer.ByteBuf frame = ch.readInbound();
        assertThat(frame.toString(java.nio.charset.StandardCharsets.US_ASCII)).isEqualTo("frame");
        frame.release();
        assertThat(ch.isOpen()).isTrue();
        ch.finishAndReleaseAll();
    }
}
