package org.closepolicy.netty;

import java.time.Duration;
import org.closepolicy.ClosePolicy;
import org.closepolicy.CloseStats;
import org.closepolicy.testkit.DeterministicBytes;
import org.closepolicy.testkit.LoadResult;
import org.closepolicy.testkit.OneRequestLoad;
import org.closepolicy.testkit.RawHttpClient;
import org.closepolicy.testkit.TimeWaitCounter;

/**
 * The seed workload: {@code n} connections with one request each from a curl-like client (reads the
 * length-delimited response, then closes), then the kernel's TIME_WAIT on each side of the server port.
 */
final class OneRequestConnections {

    /** What a run left behind. */
    record Outcome(int n, LoadResult load, CloseStats stats, int serverTimeWait, int clientTimeWait) {
        @Override
        public String toString() {
            return "n=" + n + " ok=" + load.ok() + " errors=" + load.errors() + " serverTW=" + serverTimeWait
                    + " clientTW=" + clientTimeWait + " stats=" + stats.toJson();
        }
    }

    private OneRequestConnections() {
    }

    static Outcome run(TestServer.Kind kind, String label, ClosePolicy policy, int n, OneRequestLoad.Settled settled) {
        try (TestServer server = TestServer.aggregating(kind, policy, p -> p.addLast(new Apps.Fixed(Apps.SMALL)))) {
            // Rows already on the port are other sockets' (the port may have been a client port of an earlier run).
            TimeWaitCounter.Since timeWait = TimeWaitCounter.since(server.port());
            RawHttpClient curl = RawHttpClient.builder(server.address()).path("/weather.xml").build();
            LoadResult load = OneRequestLoad.run(curl, n, DeterministicBytes.sha256Hex(Apps.SMALL));
            server.events.awaitAtLeast(n, Duration.ofSeconds(30));
            TimeWaitCounter.Counts c = OneRequestLoad.settled(timeWait, settled);
            Outcome o = new Outcome(n, load, server.closePolicy.stats(), c.serverSide(), c.clientSide());
            System.out.println("TIME_WAIT " + kind + " " + label + ": " + o + " (left out: " + timeWait.earlierRows()
                    + " earlier rows on the port)");
            return o;
        }
    }
}
