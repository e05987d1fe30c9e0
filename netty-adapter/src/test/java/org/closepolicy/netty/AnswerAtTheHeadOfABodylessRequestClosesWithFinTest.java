package org.closepolicy.netty;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.ReferenceCountUtil;
import java.nio.charset.StandardCharsets;
import org.closepolicy.CloseEvent;
import org.closepolicy.CloseMode;
import org.closepolicy.ClosePolicies;
import org.junit.jupiter.api.Test;

/**
 * An application that answers at the request's head (before the decoder passes the empty {@code LastHttpContent} of
 * a request without a body) leaves no unread input: {@code server-fin} closes with its FIN at once, as for an
 * application that answers the whole request. A body still on its way is unread input: the FIN lingers (rule 3).
 */
class AnswerAtTheHeadOfABodylessRequestClosesWithFinTest {

    /** Answers every request head at once with an empty response, whatever follows it. */
    private static final class AnswersTheHead extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            boolean head = msg instanceof HttpRequest;
            ReferenceCountUtil.release(msg);
            if (head) {
                FullHttpResponse res = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
                res.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, 0);
                ctx.writeAndFlush(res);
            }
        }
    }

    private static CloseEvent closeAfter(String request) {
        Events events = new Events();
        EmbeddedChannel ch = new EmbeddedChannel();
        ch.pipeline().addLast(new HttpServerCodec());
        NettyClosePolicy.builder(ClosePolicies.serverFin()).listener(events).build().installHttp(ch.pipeline());
        ch.pipeline().addLast(new AnswersTheHead());
        ch.writeInbound(Unpooled.copiedBuffer(request, StandardCharsets.US_ASCII));
        ch.runPendingTasks();
        assertThat(ch.isOpen()).as("server-fin closed the channel").isFalse();
        ch.finishAndReleaseAll();
        assertThat(events.all()).hasSize(1);
        return events.all().get(0);
    }

    @Test
    void aGetWithoutBodyClosesWithAPlainFin() {
        CloseEvent e = closeAfter("GET /weather.xml HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        assertThat(e.usedMode()).isEqualTo(CloseMode.FIN);
    }

    @Test
    void aZeroLengthBodyClosesWithAPlainFin() {
        CloseEvent e = closeAfter("POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n");
        assertThat(e.usedMode()).isEqualTo(CloseMode.FIN);
    }

    @Test
    void aBodyStillArrivingLingers() {
        CloseEvent e = closeAfter("POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc");
        assertThat(e.usedMode()).isEqualTo(CloseMode.LINGER);
    }

    @Test
    void aChunkedBodyLingers() {
        CloseEvent e = closeAfter("POST /upload HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n");
        assertThat(e.usedMode()).isEqualTo(CloseMode.LINGER);
    }
}
