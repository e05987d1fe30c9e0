package org.closepolicy.netty;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import org.closepolicy.ClosePolicies;
import org.junit.jupiter.api.Test;

/**
 * Every embedded channel has an event loop of its own that is never shut down: the server's reuse wheels (one per
 * loop) must not keep them. Before, each channel's loop stayed in the server's map, and every new loop scanned it.
 */
class ClosedChannelsLeaveNoReuseWheelTest {

    @Test
    void wheelsOfClosedChannelsLeaveTheServer() {
        NettyClosePolicy server = NettyClosePolicy.builder(ClosePolicies.keepAlive()).build();
        EmbeddedChannel kept = new EmbeddedChannel(server.newHttpHandler());
        exchange(kept);
        assertThat(server.reuseWheelCount()).as("a kept connection's loop has its wheel").isEqualTo(1);

        for (int i = 0; i < 500; i++) {
            EmbeddedChannel ch = new EmbeddedChannel(server.newHttpHandler());
            exchange(ch);
            ch.finishAndReleaseAll();
        }
        assertThat(server.reuseWheelCount()).as("wheels left after 500 closed channels").isEqualTo(1);

        kept.finishAndReleaseAll();
        assertThat(server.reuseWheelCount()).isZero();
    }

    private static void exchange(EmbeddedChannel ch) {
        FullHttpRequest req = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/");
        ch.writeInbound(req);
        FullHttpRequest got = ch.readInbound();
        got.release();
        FullHttpResponse res = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
        res.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, 0);
        ch.writeOutbound(res);
        FullHttpResponse out = ch.readOutbound();
        out.release();
    }
}
