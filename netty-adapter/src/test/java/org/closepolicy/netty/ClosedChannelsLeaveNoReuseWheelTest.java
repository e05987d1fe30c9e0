package org.closepolicy.netty;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.HttpMethod;
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
        HandlerDecisionsOnEmbeddedChannelTest.exchange(ch, new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/")).release();
    }
}
