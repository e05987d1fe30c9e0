package org.closepolicy.jetty;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.closepolicy.ClosePolicies;
import org.closepolicy.DrainReport;
import org.closepolicy.WhoClosed;
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

    @Test
    void silentHalfRequestNeverClosingAndSlowReadingPeersAreBoundedByTheTimeout() throws Exception {
        try (TestServer server = TestServer.start(ClosePolicies.keepAlive(), ExampleHandlers.routes());
             StuckPeers peers = StuckPeers.connect(server.address(), "/bytes?n=1900", "/bytes?n=" + StuckPeers.BIG)) {
            await().atMost(Duration.ofSeconds(20)).until(() -> peers.ready() && server.connector().getConnectedEndPoints().size() == 4);

            Duration timeout = Duration.ofSeconds(2);
            DrainReport report = server.connector().drain(timeout, Duration.ofMillis(300)).get(15, TimeUnit.SECONDS);

            System.out.println("jetty drain of stuck peers: " + report + "; " + peers);
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
        try (TestServer server = TestServer.start(ClosePolicies.keepAlive(), ExampleHandlers.routes());
             PeerThatNeverCloses peer = PeerThatNeverCloses.connect(server.address())) {
            await().atMost(Duration.ofSeconds(20)).until(() -> server.connector().getConnectedEndPoints().size() == 1);

            Duration timeout = Duration.ofSeconds(4);
            CompletableFuture<DrainReport> drain = server.connector().drain(timeout, Duration.ofSeconds(2));
            peer.request("/bytes?n=" + TOLD_TO_CLOSE_BODY);
            DrainReport report = drain.get(15, TimeUnit.SECONDS);

            PeerThatNeverCloses.Response r = peer.readResponse(TOLD_TO_CLOSE_BODY);
            System.out.println("jetty drain of a peer told to close that never closes: " + report + "; peer read " + r);
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
