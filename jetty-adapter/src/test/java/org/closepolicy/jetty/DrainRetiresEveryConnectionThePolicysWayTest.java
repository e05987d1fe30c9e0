package org.closepolicy.jetty;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.closepolicy.ClosePolicies;
import org.closepolicy.DrainReport;
import org.closepolicy.testkit.DeterministicBytes;
import org.closepolicy.testkit.HttpResult;
import org.closepolicy.testkit.DrainChecks;
import org.closepolicy.testkit.KeepAliveClients;
import org.closepolicy.testkit.RawHttpClient;
import org.closepolicy.testkit.TimeWaitCounter;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.junit.jupiter.api.Test;

/**
 * {@code drain(timeout)} on a real Jetty server, also through Jetty's own graceful stop: keep-alive connections
 * with requests in flight each get one last response with {@code Connection: close} and the client closes first
 * (no server TIME_WAIT); idle connections are closed by the policy's idle retirement within the bound.
 */
class DrainRetiresEveryConnectionThePolicysWayTest {

    private static final int BODY = 16 * 1024;
    private static final byte[] BYTES = DeterministicBytes.generate(BODY);

    /** Answers each request with BODY deterministic bytes 50 ms later, so that requests are in flight. */
    static final class Delayed extends Handler.Abstract.NonBlocking {
        final AtomicInteger requests = new AtomicInteger();

        @Override
        public boolean handle(Request request, Response response, Callback callback) {
            requests.incrementAndGet();
            response.getHeaders().put(HttpHeader.CONTENT_LENGTH, BODY);
            request.getComponents().getScheduler().schedule(
                    () -> response.write(true, ByteBuffer.wrap(BYTES), callback), 50, TimeUnit.MILLISECONDS);
            return true;
        }
    }

    @Test
    void keepAliveConnectionsWithRequestsInFlightRetireByAnnouncementAndLeaveNoServerTimeWait() throws Exception {
        Delayed app = new Delayed();
        try (TestServer server = TestServer.start(ClosePolicies.keepAlive(), app)) {
            TimeWaitCounter.Since timeWait = TimeWaitCounter.since(server.port()); // before the first connection
            KeepAliveClients clients = KeepAliveClients.start(server.address(), 100, BODY, false);
            // Every client connected (on a busy machine the last ones may connect after the first 200 requests).
            await().atMost(Duration.ofSeconds(30))
                    .until(() -> app.requests.get() >= 200 && server.connector().getConnectedEndPoints().size() == 100);

            DrainReport report = server.connector().drain(Duration.ofSeconds(10)).get(20, TimeUnit.SECONDS);

            KeepAliveClients.Result r = clients.awaitEnd(Duration.ofSeconds(10));
            DrainChecks.assertRetiredByAnnouncement(report, r, 100);
            if (TimeWaitCounter.supported()) {
                assertThat(timeWait.count().serverSide()).isZero();
            }
            System.out.println("jetty drain, 100 busy keep-alive connections: " + report + " clients " + r);
        }
    }

    @Test
    void jettyGracefulStopDrainsIdleConnectionsWithinTheStopTimeout() throws Exception {
        TestServer server = TestServer.start(ClosePolicies.keepAlive(), ExampleHandlers.routes());
        TimeWaitCounter.Since timeWait = TimeWaitCounter.since(server.port()); // before the first connection
        RawHttpClient.Exchange[] idle = new RawHttpClient.Exchange[20];
        for (int i = 0; i < idle.length; i++) {
            idle[i] = RawHttpClient.builder(server.address()).keepAlive(true).path("/bytes?n=1900")
                    .closeStyle(RawHttpClient.CloseStyle.NEVER_CLOSE).holdTimeout(Duration.ofSeconds(30)).build().start();
        }
        for (RawHttpClient.Exchange x : idle) {
            assertThat(x.response().get(10, TimeUnit.SECONDS).status()).isEqualTo(200);
        }
        long t0 = System.nanoTime();
        server.connectorServer().setStopTimeout(5_000);
        server.close(); // Jetty's graceful stop: stop accepting, drain, stop
        long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        DrainReport report = server.connector().drain(Duration.ZERO).get(10, TimeUnit.SECONDS);

        System.out.println("jetty graceful stop, 20 idle keep-alive connections: " + report + " in " + tookMs + " ms");
        assertThat(report.connectionsAtStart()).as("%s", report).isEqualTo(20);
        assertThat(report.idleClosed()).as("%s", report).isEqualTo(20);
        assertThat(report.cutAtDeadline()).as("%s", report).isZero();
        assertThat(tookMs).as("the stop ends before its timeout").isLessThan(5_000);
        for (RawHttpClient.Exchange x : idle) {
            HttpResult whole = x.await(Duration.ofSeconds(10));
            assertThat(whole.bodySha256()).isEqualTo(DeterministicBytes.sha256Hex(1900));
        }
        if (TimeWaitCounter.supported()) {
            assertThat(timeWait.count().serverSide()).as("the policy's idle close (ack-checked RST)").isZero();
        }
        System.out.println("jetty graceful stop, 20 idle keep-alive connections: " + report + " in " + tookMs + " ms");
    }
}
