package org.closepolicy.netty;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.ReferenceCountUtil;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.closepolicy.ClosePolicies;
import org.closepolicy.DrainReport;
import org.closepolicy.RetireReason;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Once {@code drain()} has returned, no response is reused, even on a connection the drain has not told yet: the
 * drain tells each connection on its event loop, and a request read before that task runs is answered with
 * {@code Connection: close} all the same (as on Jetty, where the drain marks every connection before it returns).
 * An embedded channel runs its loop's tasks only after the read it is given, so the request here always comes first.
 */
class ResponseAfterDrainStartsIsTheLastTest {

    private final Events events = new Events();
    private EmbeddedChannel ch;

    @AfterEach
    void tearDown() {
        if (ch != null) {
            ch.finishAndReleaseAll();
        }
    }

    @Test
    void aRequestReadBeforeTheDrainReachesItsConnectionIsAnsweredAsTheLast() throws Exception {
        NettyClosePolicy server = NettyClosePolicy.builder(ClosePolicies.keepAlive()).listener(events).build();
        ch = new EmbeddedChannel();
        ch.pipeline().addLast(new HttpServerCodec());
        server.installHttp(ch.pipeline());
        ch.pipeline().addLast(new AnswerAtTheHead());

        assertThat(exchange()).as("before the drain").doesNotContain("connection: close");

        CompletableFuture<DrainReport> drain = server.drain(Duration.ofSeconds(30), Duration.ofSeconds(10));
        assertThat(exchange()).as("after drain() returned").contains("connection: close");

        PolicyConnection c = ch.pipeline().get(ClosePolicyHandler.class).connection();
        assertThat(c.isRetired()).isTrue();
        ch.pipeline().fireUserEventTriggered(ChannelInputShutdownEvent.INSTANCE); // the client closes, as told
        ch.runPendingTasks();
        assertThat(ch.isOpen()).isFalse();
        DrainReport report = drain.get(10, TimeUnit.SECONDS);
        assertThat(report.announced()).as("%s", report).isEqualTo(1);
        assertThat(events.all()).singleElement().satisfies(e -> assertThat(e.retireReason()).isEqualTo(RetireReason.DRAIN));
    }

    /** Writes a request, returns the response head and body as lower-case text. */
    private String exchange() {
        ch.writeInbound(Unpooled.copiedBuffer("GET / HTTP/1.1\r\nHost: x\r\n\r\n", StandardCharsets.US_ASCII));
        StringBuilder out = new StringBuilder();
        for (Object o = ch.readOutbound(); o != null; o = ch.readOutbound()) {
            if (o instanceof ByteBuf b) {
                out.append(b.toString(StandardCharsets.US_ASCII));
            }
            ReferenceCountUtil.release(o);
        }
        return out.toString().toLowerCase(Locale.ROOT);
    }

    /** Answers every request at its head with two bytes and a length. */
    private static final class AnswerAtTheHead extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof HttpRequest) {
                FullHttpResponse res = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK,
                        Unpooled.copiedBuffer("ok", StandardCharsets.US_ASCII));
                res.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, 2);
                ctx.writeAndFlush(res);
            }
            ReferenceCountUtil.release(msg);
        }
    }
}
