package org.closepolicy.netty;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.util.ReferenceCountUtil;
import java.nio.charset.StandardCharsets;
import org.closepolicy.ClosePolicies;
import org.junit.jupiter.api.Test;

/**
 * A connection's {@code bytesIn}/{@code bytesOut} are the HTTP bytes of its exchanges as they cross the wire,
 * heads and bodies included, counted before the codec: exactly what the client sent and what it was sent.
 */
class ProtocolBytesAreTheWireBytesOfEachExchangeTest {

    private static final byte[] BODY = "hello".getBytes(StandardCharsets.US_ASCII);

    private static long send(EmbeddedChannel ch, String request) {
        byte[] bytes = request.getBytes(StandardCharsets.US_ASCII);
        ch.writeInbound(Unpooled.wrappedBuffer(bytes));
        return bytes.length;
    }

    private static long written(EmbeddedChannel ch) {
        long n = 0;
        for (Object o = ch.readOutbound(); o != null; o = ch.readOutbound()) {
            n += ((ByteBuf) o).readableBytes();
            ReferenceCountUtil.release(o);
        }
        return n;
    }

    @Test
    void bytesInAndOutAreWhatCrossedTheWireHeadsIncluded() {
        EmbeddedChannel ch = new EmbeddedChannel();
        ch.pipeline().addLast("codec", new HttpServerCodec());
        NettyClosePolicy.builder(ClosePolicies.keepAlive()).build().installHttp(ch.pipeline());
        ch.pipeline().addLast(new Apps.AtLastContent(BODY));
        PolicyConnection c = ((ClosePolicyHandler) ch.pipeline().get(ClosePolicyHandler.NAME)).connection();
        assertThat(ch.pipeline().names()).containsSubsequence(ProtocolBytesCounter.NAME, "codec", ClosePolicyHandler.NAME);
        assertThat(c.counted()).isTrue();

        long in = send(ch, "GET /a HTTP/1.1\r\nHost: x\r\n\r\n");
        long out = written(ch);
        assertThat(out).isGreaterThan(BODY.length + 17);
        assertThat(c.bytesIn()).isEqualTo(in);
        assertThat(c.bytesOut()).isEqualTo(out);

        in += send(ch, "POST /b HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc");
        out += written(ch);
        assertThat(c.bytesIn()).isEqualTo(in);
        assertThat(c.bytesOut()).isEqualTo(out);
        assertThat(c.requestsServed()).isEqualTo(2);
        ch.finishAndReleaseAll();
    }
}
