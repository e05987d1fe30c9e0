package org.closepolicy.netty;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpVersion;
import java.time.Duration;
import org.closepolicy.ClosePolicies;
import org.closepolicy.testkit.HttpResult;
import org.closepolicy.testkit.RawHttpClient;
import org.junit.jupiter.api.Test;

/**
 * Every embedded channel has an event loop of its own that is never shut down: the server's reuse wheels (one per
 * loop) must not keep them. Before, each channel's loop stayed in the server's map, and every new loop scanned it.
 * A real server's loops belong to a group and keep their wheels.
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

    @Test
    void aServersLoopsKeepTheirWheelsWhenTheirConnectionsClose() throws Exception {
        Events events = new Events();
        NettyClosePolicy server = TestServer.builder(ClosePolicies.keepAlive(), events).build();
        try (TestServer s = TestServer.http(TestServer.Kind.NIO, server, events, p -> {
            p.addLast(new HttpObjectAggregator(1 << 16));
            p.addLast(new Apps.Fixed(Apps.SMALL));
        })) {
            for (int i = 0; i < 3; i++) {
                HttpResult r = RawHttpClient.builder(s.address()).deadline(Duration.ofSeconds(10)).build().send();
                assertThat(r.status()).as("%s", r).isEqualTo(200);
            }
            events.awaitAtLeast(3, Duration.ofSeconds(10));
            // A loop of an event loop group keeps its wheel: a quiet server makes no wheel per connection.
            assertThat(server.reuseWheelCount()).isPositive();
        }
    }

    private static void exchange(EmbeddedChannel ch) {
        HandlerDecisionsOnEmbeddedChannelTest.exchange(ch, new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/")).release();
    }
}
