package org.closepolicy.netty;

import static org.awaitility.Awaitility.await;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.closepolicy.ClosePolicies;
import org.closepolicy.DrainReport;
import org.closepolicy.testkit.DeterministicBytes;
import org.closepolicy.testkit.DrainChecks;
import org.closepolicy.testkit.StuckPeers;
import org.junit.jupiter.api.Test;

/**
 * {@code drain(timeout)} with peers that do not play along: one that connects and never sends, one that sends
 * half a request, one that reads its response and never closes, and a slow reader of a 10 MB body. The drain
 * ends within its timeout (plus the grace for the last closes), the report counts every connection, none is left
 * open, and every byte the slow reader read before the cut is the right one.
 */
class DrainOfStuckPeersEndsWithinItsTimeoutTest {

    /** {@code /bytes?n=N}: N deterministic bytes with a length. */
    @ChannelHandler.Sharable
    static final class Bytes extends SimpleChannelInboundHandler<FullHttpRequest> {
        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) {
            int n = Integer.parseInt(new QueryStringDecoder(req.uri()).parameters().get("n").get(0));
            DefaultFullHttpResponse res = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK,
                    Unpooled.wrappedBuffer(DeterministicBytes.generate(n)));
            res.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, n);
            ctx.writeAndFlush(res);
        }
    }

    @Test
    void silentHalfRequestNeverClosingAndSlowReadingPeersAreBoundedByTheTimeout() throws Exception {
        Bytes app = new Bytes();
        try (TestServer server = TestServer.aggregating(TestServer.Kind.NIO, ClosePolicies.keepAlive(), p -> p.addLast(app));
             StuckPeers peers = StuckPeers.connect(server.address(), "/bytes?n=1900", "/bytes?n=" + StuckPeers.BIG)) {
            await().atMost(Duration.ofSeconds(20)).until(() -> peers.ready() && server.closePolicy.load().openConnections() == 4);

            Duration timeout = Duration.ofSeconds(2);
            DrainReport report = server.closePolicy.drain(timeout, Duration.ofMillis(300)).get(15, TimeUnit.SECONDS);

            System.out.println("netty drain of stuck peers: " + report + "; " + peers);
            DrainChecks.assertStuckPeersEnded(report, peers, timeout);
        }
    }
}
