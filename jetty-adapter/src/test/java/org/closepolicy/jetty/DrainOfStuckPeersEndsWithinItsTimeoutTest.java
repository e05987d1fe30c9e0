package org.closepolicy.jetty;

import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.closepolicy.ClosePolicies;
import org.closepolicy.DrainReport;
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
}
