package org.closepolicy.netty;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.closepolicy.ClosePolicy;
import org.closepolicy.Preset;
import org.closepolicy.RetireReason;
import org.junit.jupiter.api.Test;

/**
 * The idle timeout counts from the connection's last activity, and the end of a response is activity even when it
 * carries no body byte (a chunked response's last chunk written long after its body): the byte counter after the
 * encoder reads no clock of its own, the handler marks every message of the response it passes.
 */
class IdleTimeoutCountsFromTheEndOfTheResponseTest {

    private static final long IDLE_SECONDS = 10;

    private final AtomicLong nanos = new AtomicLong(1_000_000_000L);
    private final Events events = new Events();
    private EmbeddedChannel ch;

    @Test
    void aResponseEndedLateKeepsItsConnectionForAWholeIdleTimeoutAfterItsEnd() {
        ClosePolicy policy = ClosePolicy.builder(Preset.KEEP_ALIVE).idleTimeout(Duration.ofSeconds(IDLE_SECONDS)).build();
        NettyClosePolicy server = NettyClosePolicy.builder(policy).ticker(nanos::get).listener(events).build();
        ch = new EmbeddedChannel();
        ch.freezeTime();
        ch.pipeline().addLast(new HttpServerCodec());
        server.installHttp(ch.pipeline());
        PolicyConnection connection = ch.pipeline().get(ClosePolicyHandler.class).connection();

        ch.writeInbound(ascii("GET /stream HTTP/1.1\r\nHost: x\r\n\r\n"));
        for (Object in = ch.readInbound(); in != null; in = ch.readInbound()) {
            assertThat(in).isInstanceOf(HttpObject.class);
            ReferenceCountUtil.release(in);
        }
        HttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
        HttpUtil.setTransferEncodingChunked(head, true);
        ch.writeOutbound(head, new DefaultHttpContent(ascii("first part\n")));

        advanceSeconds(8);
        ch.writeOutbound(LastHttpContent.EMPTY_LAST_CONTENT); // the end: no body byte, only the last chunk's framing
        advanceSeconds(IDLE_SECONDS - 1);
        assertThat(connection.isRetired()).as("idle for %d s since the response ended", IDLE_SECONDS - 1).isFalse();

        advanceSeconds(2);
        assertThat(connection.isRetired()).as("idle for %d s since the response ended", IDLE_SECONDS + 1).isTrue();
        ch.finishAndReleaseAll();
        assertThat(events.all()).singleElement().satisfies(e -> assertThat(e.retireReason()).isEqualTo(RetireReason.IDLE_TIMEOUT));
    }

    private void advanceSeconds(long s) {
        // Both clocks move: the policy's ticker and the embedded loop's time its scheduled checks run by.
        nanos.addAndGet(TimeUnit.SECONDS.toNanos(s));
        ch.advanceTimeBy(s, TimeUnit.SECONDS);
        ch.runPendingTasks();
        for (Object out = ch.readOutbound(); out != null; out = ch.readOutbound()) {
            ReferenceCountUtil.release(out);
        }
    }

    private static ByteBuf ascii(String s) {
        return Unpooled.copiedBuffer(s, StandardCharsets.US_ASCII);
    }
}
