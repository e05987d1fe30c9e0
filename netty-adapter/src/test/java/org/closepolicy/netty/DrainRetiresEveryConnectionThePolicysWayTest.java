package org.closepolicy.netty;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;
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
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.closepolicy.CloseEvent;
import org.closepolicy.ClosePolicies;
import org.closepolicy.DrainReport;
import org.closepolicy.RetireReason;
import org.closepolicy.testkit.DeterministicBytes;
import org.closepolicy.testkit.HttpResult;
import org.closepolicy.testkit.DrainChecks;
import org.closepolicy.testkit.KeepAliveClients;
import org.closepolicy.testkit.RawHttpClient;
import org.closepolicy.testkit.TimeWaitCounter;
import org.junit.jupiter.api.Test;

/**
 * {@code drain(timeout)} on a real Netty server: keep-alive connections with requests in flight each get one last
 * response with {@code Connection: close} and the client closes first (no server TIME_WAIT); idle connections are
 * closed by the policy's idle retirement within the bound; the report counts each of them.
 */
class DrainRetiresEveryConnectionThePolicysWayTest {

    private static final int BODY = 16 * 1024;

    /** Answers each request with BODY deterministic bytes after a short delay, so that requests are in flight. */
    @ChannelHandler.Sharable
    static final class Delayed extends SimpleChannelInboundHandler<FullHttpRequest> {
        private final byte[] body = DeterministicBytes.generate(BODY);
        final AtomicInteger requests = new AtomicInteger();

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) {
            requests.incrementAndGet();
            ctx.executor().schedule(() -> {
                DefaultFullHttpResponse res = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK,
                        Unpooled.wrappedBuffer(body));
                res.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, body.length);
                ctx.writeAndFlush(res);
            }, 50, TimeUnit.MILLISECONDS);
        }
    }

    @Test
    void keepAliveConnectionsWithRequestsInFlightRetireByAnnouncementAndLeaveNoServerTimeWait() throws Exception {
        Delayed app = new Delayed();
        try (TestServer server = TestServer.aggregating(TestServer.Kind.NIO, ClosePolicies.keepAlive(), p -> p.addLast(app))) {
            TimeWaitCounter.Since timeWait = TimeWaitCounter.since(server.port()); // before the first connection
            KeepAliveClients clients = KeepAliveClients.start(server.address(), 100, BODY, false);
            await().atMost(Duration.ofSeconds(30)).until(() -> server.closePolicy.load().openConnections() == 100 && app.requests.get() >= 200);

            DrainReport report = server.closePolicy.drain(Duration.ofSeconds(10)).get(20, TimeUnit.SECONDS);

            KeepAliveClients.Result r = clients.awaitEnd(Duration.ofSeconds(10));
            DrainChecks.assertRetiredByAnnouncement(report, r, 100);
            assertThat(server.events.all()).extracting(CloseEvent::retireReason).containsOnly(RetireReason.DRAIN);
            if (TimeWaitCounter.supported()) {
                assertThat(timeWait.count().serverSide()).isZero();
            }
            System.out.println("netty drain, 100 busy keep-alive connections: " + report + " clients " + r);
        }
    }

    @Test
    void idleConnectionsAreClosedWithinTheBound() throws Exception {
        assumeThat(TestServer.Kind.NIO.available()).isTrue();
        try (TestServer server = TestServer.aggregating(TestServer.Kind.NIO, ClosePolicies.keepAlive(), p -> p.addLast(new Apps.Fixed(Apps.SMALL)))) {
            RawHttpClient.Exchange[] idle = new RawHttpClient.Exchange[20];
            for (int i = 0; i < idle.length; i++) {
                idle[i] = RawHttpClient.builder(server.address()).keepAlive(true).closeStyle(RawHttpClient.CloseStyle.NEVER_CLOSE)
                        .holdTimeout(Duration.ofSeconds(30)).build().start();
            }
            for (RawHttpClient.Exchange x : idle) {
                assertThat(x.response().get(10, TimeUnit.SECONDS).status()).isEqualTo(200);
            }
            long t0 = System.nanoTime();
            DrainReport report = server.closePolicy.drain(Duration.ofSeconds(5), Duration.ofMillis(200)).get(10, TimeUnit.SECONDS);
            long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);

            assertThat(report.connectionsAtStart()).as("%s", report).isEqualTo(20);
            assertThat(report.idleClosed()).as("%s", report).isEqualTo(20);
            assertThat(report.cutAtDeadline()).as("%s", report).isZero();
            assertThat(tookMs).as("drain of idle connections ends before its deadline").isLessThan(5_000);
            for (RawHttpClient.Exchange x : idle) {
                HttpResult whole = x.await(Duration.ofSeconds(10));
                assertThat(whole.bodySha256()).isEqualTo(DeterministicBytes.sha256Hex(Apps.SMALL));
            }
            System.out.println("netty drain, 20 idle keep-alive connections: " + report);
        }
    }

    @Test
    void aPeerThatNeverClosesEndsWithinTheBound() throws Exception {
        try (TestServer server = TestServer.aggregating(TestServer.Kind.NIO, ClosePolicies.keepAlive(), p -> p.addLast(new Apps.Fixed(Apps.SMALL)))) {
            RawHttpClient.Exchange x = RawHttpClient.builder(server.address()).keepAlive(true)
                    .closeStyle(RawHttpClient.CloseStyle.NEVER_CLOSE).holdTimeout(Duration.ofSeconds(30)).build().start();
            assertThat(x.response().get(10, TimeUnit.SECONDS).status()).isEqualTo(200);
            DrainReport report = server.closePolicy.drain(Duration.ofMillis(300), Duration.ZERO).get(10, TimeUnit.SECONDS);
            assertThat(report.connections()).as("%s", report).isEqualTo(1);
            assertThat(report.stillOpen()).as("%s", report).isZero();
            HttpResult whole = x.await(Duration.ofSeconds(10));
            assertThat(whole.bodySha256()).isEqualTo(DeterministicBytes.sha256Hex(Apps.SMALL));
        }
    }
}
