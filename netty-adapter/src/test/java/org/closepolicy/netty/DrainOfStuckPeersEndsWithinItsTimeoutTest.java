package org.closepolicy.netty;

import static org.assertj.core.api.Assertions.assertThat;
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
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.closepolicy.ClosePolicies;
import org.closepolicy.DrainReport;
import org.closepolicy.WhoClosed;
import org.closepolicy.testkit.DeterministicBytes;
import org.closepolicy.testkit.DrainChecks;
import org.closepolicy.testkit.PeerThatNeverCloses;
import org.closepolicy.testkit.StuckPeers;
import org.junit.jupiter.api.Test;

/**
 * {@code drain(timeout)} with peers that do not play along: one that connects and never sends, one that sends
 * half a request, one that reads its response and never closes, and a slow reader of a 10 MB body. The drain
 * ends within its timeout (plus the grace for the last closes), the report counts every connection, none is left
 * open, and every byte the slow reader read before the cut is the right one.
 */
class DrainOfStuckPeersEndsWithinItsTimeoutTest {

    /** Fits in the peer's first receive window: the kernel acknowledges all of it although the peer reads nothing yet. */
    private static final int TOLD_TO_CLOSE_BODY = 20_000;

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

    /**
     * A peer that sends a request during the drain, is told {@code Connection: close} and never closes (nor reads):
     * the client-first wait runs out, the policy's fallback or the drain's deadline closes it, within the timeout. The
     * close is safe: every byte of the response is still readable by the peer afterwards (an RST with unacknowledged
     * bytes would have thrown them away).
     */
    @Test
    void aPeerToldToCloseThatNeverClosesIsClosedSafelyWithinTheTimeout() throws Exception {
        Bytes app = new Bytes();
        try (TestServer server = TestServer.aggregating(TestServer.Kind.NIO, ClosePolicies.keepAlive(), p -> p.addLast(app));
             PeerThatNeverCloses peer = PeerThatNeverCloses.connect(server.address())) {
            await().atMost(Duration.ofSeconds(20)).until(() -> server.closePolicy.load().openConnections() == 1);

            Duration timeout = Duration.ofSeconds(4);
            CompletableFuture<DrainReport> drain = server.closePolicy.drain(timeout, Duration.ofSeconds(2));
            peer.request("/bytes?n=" + TOLD_TO_CLOSE_BODY);
            DrainReport report = drain.get(15, TimeUnit.SECONDS);

            PeerThatNeverCloses.Response r = peer.readResponse(TOLD_TO_CLOSE_BODY);
            System.out.println("netty drain of a peer told to close that never closes: " + report + "; peer read " + r);
            assertThat(report.connectionsAtStart()).as("%s", report).isEqualTo(1);
            // Told Connection: close, then either the policy's fallback closed it (after the client wait, and a second
            // one when the first look at the send queue found bytes in flight) or the deadline cut it, whichever came first.
            assertThat(report.announced() + report.cutAtDeadline()).as("%s", report).isEqualTo(1);
            assertThat(report.stillOpen()).as("%s", report).isZero();
            assertThat(report.duration()).as("%s", report).isLessThan(timeout.plusSeconds(2));
            assertThat(report.byWhoClosed().get(WhoClosed.REMOTE_FIN)).as("the peer never closed: %s", report).isZero();
            assertThat(r.toldToClose()).as("%s", r).isTrue();
            assertThat(r.bodyIntact()).as("every byte of the response survived the close: %s", r).isTrue();
            assertThat(r.bytesAfter()).as("%s", r).isZero();
        }
    }
}
