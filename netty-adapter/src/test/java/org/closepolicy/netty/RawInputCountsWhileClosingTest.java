package org.closepolicy.netty;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpVersion;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.closepolicy.ClosePolicy;
import org.closepolicy.FallbackReason;
import org.closepolicy.WhoClosed;
import org.junit.jupiter.api.Test;

/** Input the HTTP decoder would consume or hold back still counts against the bounds of a close. */
class RawInputCountsWhileClosingTest {

    private static EmbeddedChannel channel(String spec, Events events) {
        EmbeddedChannel ch = new EmbeddedChannel();
        ch.pipeline().addLast(new HttpServerCodec());
        NettyClosePolicy.builder(ClosePolicy.parse(spec)).listener(events).build().installHttp(ch.pipeline());
        ch.pipeline().addLast(new HttpObjectAggregator(1 << 16));
        return ch;
    }

    private static ByteBuf ascii(String s) {
        return Unpooled.copiedBuffer(s, StandardCharsets.US_ASCII);
    }

    private static void respond(EmbeddedChannel ch) {
        FullHttpResponse res = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
        res.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, 0);
        ch.writeOutbound(res);
    }

    @Test
    void theByteCounterBeforeTheDecoderDiscardsAndARetiringConnectionChangesNoPipeline() {
        EmbeddedChannel ch = channel("client-first", new Events());
        ch.writeInbound(ascii("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"));
        FullHttpRequest req = ch.readInbound();
        req.release();
        java.util.List<String> before = ch.pipeline().names();
        assertThat(before.indexOf(ProtocolBytesCounter.NAME))
                .isLessThan(before.indexOf(ch.pipeline().context(HttpServerCodec.class).name()));
        respond(ch);
        assertThat(ch.pipeline().names()).as("retired: the same handlers").isEqualTo(before);
        ch.writeInbound(ascii("GET /late HTTP/1.1\r\nHost: x\r\n\r\n"));
        assertThat((Object) ch.readInbound()).as("discarded before the decoder").isNull();
        ch.pipeline().remove(ClosePolicyHandler.NAME);
        assertThat(ch.pipeline().names()).doesNotContain(ProtocolBytesCounter.NAME);
        ch.finishAndReleaseAll();
    }

    @Test
    void heldBackBytesHitTheInputLimitOfTheClientFirstWait() {
        Events events = new Events();
        EmbeddedChannel ch = channel("client-first, close.fallback=fin, close.linger-bytes=1KiB", events);
        ch.writeInbound(ascii("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"));
        FullHttpRequest req = ch.readInbound();
        req.release();
        respond(ch);
        assertThat(ch.isOpen()).isTrue();
        // A request line that never ends: the decoder would hold all of it back.
        char[] junk = new char[2000];
        Arrays.fill(junk, 'a');
        ch.writeInbound(ascii(new String(junk)));
        ch.runPendingTasks();
        assertThat(ch.isOpen()).isFalse();
        assertThat(events.all()).singleElement().satisfies(e ->
                assertThat(e.fallbackReason()).isEqualTo(FallbackReason.INPUT_LIMIT_EXCEEDED));
        ch.finishAndReleaseAll();
    }

    @Test
    void pipelinedRequestsBeforeTheRetiringOneAreStillAnsweredAndTheFinStillCounts() {
        Events events = new Events();
        EmbeddedChannel ch = channel("client-first, reuse.max-requests=100, reuse.jitter=0", events);
        ch.writeInbound(ascii("GET /a HTTP/1.1\r\nHost: x\r\n\r\nGET /b HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"));
        FullHttpRequest a = ch.readInbound();
        assertThat(a.uri()).isEqualTo("/a");
        assertThat((Object) ch.readInbound()).as("/b waits for the response to /a").isNull();
        a.release();
        respond(ch);
        ch.runPendingTasks();
        FullHttpRequest b = ch.readInbound();
        assertThat(b.uri()).isEqualTo("/b");
        b.release();
        respond(ch);
        ByteBuf out;
        StringBuilder wire = new StringBuilder();
        while ((out = ch.readOutbound()) != null) {
            wire.append(out.toString(StandardCharsets.US_ASCII));
            out.release();
        }
        assertThat(wire.toString().split("HTTP/1.1 200 OK", -1)).hasSize(3);
        assertThat(wire.toString()).containsIgnoringCase("connection: close");
        // Input after the retiring response is discarded before the decoder; the FIN still reaches the handler.
        ch.writeInbound(ascii("GET /c HTTP/1.1\r\nHost: x\r\n\r\n"));
        assertThat((Object) ch.readInbound()).isNull();
        ch.pipeline().fireUserEventTriggered(ChannelInputShutdownEvent.INSTANCE);
        ch.runPendingTasks();
        assertThat(ch.isOpen()).isFalse();
        assertThat(events.all()).singleElement().satisfies(e ->
                assertThat(e.whoClosed()).isEqualTo(WhoClosed.REMOTE_FIN));
        ch.finishAndReleaseAll();
    }
}
