package org.closepolicy.netty;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import java.util.ArrayList;
import java.util.List;
import org.closepolicy.ClosePolicies;
import org.closepolicy.RetireReason;
import org.junit.jupiter.api.Test;

/**
 * A pipelined request reaches the application only once the response to the one before is complete; held
 * requests are bounded, released when the connection retires (no buffer leaks), and the retiring response is the
 * one to the retiring request. On an embedded channel, message by message.
 */
class PipelinedRequestWaitsForThePreviousResponseTest {

    private final List<ByteBuf> bodies = new ArrayList<>();

    private static EmbeddedChannel channel(NettyClosePolicy.Builder b) {
        return new EmbeddedChannel(b.build().newHttpHandler());
    }

    private static HttpRequest get(String uri) {
        return new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, uri);
    }

    /** A request with a body of {@code n} bytes in two pieces; the buffers are kept to check they are released. */
    private void post(EmbeddedChannel ch, String uri, int n) {
        HttpRequest req = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, uri);
        req.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, n);
        ByteBuf a = Unpooled.buffer(n / 2).writeZero(n / 2);
        ByteBuf b = Unpooled.buffer(n - n / 2).writeZero(n - n / 2);
        bodies.add(a);
        bodies.add(b);
        ch.writeInbound(req, new DefaultHttpContent(a), new DefaultLastHttpContent(b));
    }

    private static void pipelineGets(EmbeddedChannel ch, String... uris) {
        for (String uri : uris) {
            ch.writeInbound(get(uri), LastHttpContent.EMPTY_LAST_CONTENT);
        }
    }

    /** Reads what reached the application: the request URIs, releasing everything. */
    private static List<String> received(EmbeddedChannel ch) {
        List<String> uris = new ArrayList<>();
        for (Object m = ch.readInbound(); m != null; m = ch.readInbound()) {
            if (m instanceof HttpRequest r) {
                uris.add(r.uri());
            }
            ReferenceCountUtil.release(m);
        }
        return uris;
    }

    private static FullHttpResponse respond(EmbeddedChannel ch) {
        FullHttpResponse res = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
        res.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, 0);
        ch.writeOutbound(res);
        ch.runPendingTasks();
        return ch.readOutbound();
    }

    private static boolean closes(FullHttpResponse res) {
        return "close".equals(res.headers().get(HttpHeaderNames.CONNECTION));
    }

    private void assertBodiesReleased() {
        for (ByteBuf b : bodies) {
            assertThat(b.refCnt()).as("request body buffer released").isZero();
        }
    }

    @Test
    void eachRequestWaitsForTheResponseBeforeIt() {
        EmbeddedChannel ch = channel(NettyClosePolicy.builder(ClosePolicies.keepAlive()));
        pipelineGets(ch, "/1", "/2", "/3");
        assertThat(received(ch)).containsExactly("/1");
        assertThat(closes(respond(ch))).isFalse();
        assertThat(received(ch)).containsExactly("/2");
        assertThat(closes(respond(ch))).isFalse();
        assertThat(received(ch)).containsExactly("/3");
        assertThat(closes(respond(ch))).isFalse();
        assertThat(received(ch)).isEmpty();
        assertThat(ch.isOpen()).isTrue();
        ch.finishAndReleaseAll();
    }

    @Test
    void aHeldRequestGetsItsWholeBodyWhenItsTurnComes() {
        EmbeddedChannel ch = channel(NettyClosePolicy.builder(ClosePolicies.keepAlive()));
        pipelineGets(ch, "/1");
        post(ch, "/2", 100);
        assertThat(received(ch)).containsExactly("/1");
        respond(ch);
        List<Object> passed = new ArrayList<>();
        for (Object m = ch.readInbound(); m != null; m = ch.readInbound()) {
            passed.add(m);
        }
        assertThat(passed).hasSize(3);
        assertThat(passed.get(0)).isInstanceOf(HttpRequest.class);
        assertThat(passed.get(2)).isInstanceOf(LastHttpContent.class);
        passed.forEach(ReferenceCountUtil::release);
        assertBodiesReleased();
        ch.finishAndReleaseAll();
    }

    @Test
    void retireAfterOneAnswersTheFirstAndReleasesTheHeldOnes() {
        EmbeddedChannel ch = channel(NettyClosePolicy.builder(ClosePolicies.clientFirst()));
        pipelineGets(ch, "/1");
        post(ch, "/2", 100);
        pipelineGets(ch, "/3");
        assertThat(received(ch)).containsExactly("/1");
        FullHttpResponse first = respond(ch);
        assertThat(closes(first)).as("the response to the first request retires").isTrue();
        assertThat(received(ch)).as("held requests are never answered").isEmpty();
        assertBodiesReleased();
        ClosePolicyHandler h = ch.pipeline().get(ClosePolicyHandler.class);
        assertThat(h.connection().isRetired()).isTrue();
        ch.finishAndReleaseAll();
    }

    @Test
    void beyondTheRequestBoundTheResponseInProgressIsTheLast() {
        EmbeddedChannel ch = channel(NettyClosePolicy.builder(ClosePolicies.keepAlive()).maxPipelinedRequests(2));
        pipelineGets(ch, "/1");
        post(ch, "/2", 100);
        pipelineGets(ch, "/3");
        post(ch, "/4", 100);
        pipelineGets(ch, "/5");
        assertThat(ch.config().isAutoRead()).as("no more reading beyond the bound").isFalse();
        assertBodiesReleased();
        assertThat(received(ch)).containsExactly("/1");
        assertThat(closes(respond(ch))).as("the response in progress retires").isTrue();
        assertThat(received(ch)).as("nothing pipelined after it is answered").isEmpty();
        ClosePolicyHandler h = ch.pipeline().get(ClosePolicyHandler.class);
        assertThat(h.connection().machine().decision().reason()).isEqualTo(RetireReason.PIPELINE_LIMIT);
        ch.finishAndReleaseAll();
    }

    @Test
    void beyondTheByteBoundHeldRequestsAreReleased() {
        EmbeddedChannel ch = channel(NettyClosePolicy.builder(ClosePolicies.keepAlive()).maxPipelinedBytes(1_000));
        pipelineGets(ch, "/1");
        post(ch, "/2", 200);
        assertThat(bodies.get(0).refCnt()).as("held within the bound").isOne();
        post(ch, "/3", 4_000);
        assertBodiesReleased();
        assertThat(received(ch)).containsExactly("/1");
        assertThat(closes(respond(ch))).as("/3 went over the bound: the response in progress is the last").isTrue();
        assertThat(received(ch)).isEmpty();
        assertThat(ch.pipeline().get(ClosePolicyHandler.class).connection().machine().decision().reason())
                .isEqualTo(RetireReason.PIPELINE_LIMIT);
        ch.finishAndReleaseAll();
    }

    @Test
    void closingTheChannelReleasesHeldRequests() {
        EmbeddedChannel ch = channel(NettyClosePolicy.builder(ClosePolicies.keepAlive()));
        pipelineGets(ch, "/1");
        post(ch, "/2", 100);
        post(ch, "/3", 100);
        assertThat(received(ch)).containsExactly("/1");
        ch.pipeline().get(ClosePolicyHandler.class).abort();
        ch.runPendingTasks();
        ch.finishAndReleaseAll();
        assertBodiesReleased();
    }

    @Test
    void boundsAreCheckedWhenSet() {
        NettyClosePolicy.Builder b = NettyClosePolicy.builder(ClosePolicies.keepAlive());
        assertThatThrownBy(() -> b.maxPipelinedRequests(-1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("maxPipelinedRequests").hasMessageContaining("-1");
        assertThatThrownBy(() -> b.maxPipelinedBytes(-5)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("maxPipelinedBytes").hasMessageContaining("-5");
    }

    @Test
    void noPipelinedRequestIsAnsweredWithABoundOfZero() {
        EmbeddedChannel ch = channel(NettyClosePolicy.builder(ClosePolicies.keepAlive()).maxPipelinedRequests(0));
        pipelineGets(ch, "/1", "/2");
        assertThat(received(ch)).containsExactly("/1");
        assertThat(closes(respond(ch))).isTrue();
        assertThat(received(ch)).isEmpty();
        assertThat(ch.pipeline().get(ClosePolicyHandler.class).connection().machine().decision().reason())
                .isEqualTo(RetireReason.PIPELINE_LIMIT);
        ch.finishAndReleaseAll();
    }
}
