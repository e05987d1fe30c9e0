package org.closepolicy.netty;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import org.closepolicy.ClosePolicy;
import org.closepolicy.CloseStats;
import org.closepolicy.testkit.DeterministicBytes;
import org.closepolicy.testkit.LoadResult;
import org.closepolicy.testkit.LoadRunner;
import org.closepolicy.testkit.RawHttpClient;
import org.closepolicy.testkit.TimeWaitCounter;
import org.awaitility.core.ConditionTimeoutException;

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

    static Outcome run(TestServer.Kind kind, String label, ClosePolicy policy, int n, Settled settled) {
        try (TestServer server = TestServer.aggregating(kind, policy, p -> p.addLast(new Apps.Fixed(Apps.SMALL)))) {
            // Rows already on the port are other sockets' (the port may have been a client port of an earlier run).
            TimeWaitCounter.Since timeWait = TimeWaitCounter.since(server.port());
            RawHttpClient curl = RawHttpClient.builder(server.address()).path("/weather.xml").build();
            LoadResult load = LoadRunner.builder(curl)
                    .requests(n)
                    .concurrency(4)
                    .deadline(Duration.ofSeconds(120))
                    .expectStatus(200)
                    .expectSha256(DeterministicBytes.sha256Hex(Apps.SMALL))
                    .build()
                    .run();
            assertThat(load.errors()).as("client errors: %s", load).isZero();
            assertThat(load.ok()).isEqualTo(n);
            server.events.awaitAtLeast(n, Duration.ofSeconds(30));
            try {
                // Both FINs must be through before the entries show up; poll (bounded) for the expected side.
                await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(50)).until(() -> {
                    TimeWaitCounter.Counts c = timeWait.count();
                    return settled.test(c.serverSide(), c.clientSide());
                });
            } catch (ConditionTimeoutException e) {
                // The assertions of the caller report the counts.
            }
            TimeWaitCounter.Counts c = timeWait.count();
            Outcome o = new Outcome(n, load, server.closePolicy.stats(), c.serverSide(), c.clientSide());
            System.out.println("TIME_WAIT " + kind + " " + label + ": " + o + " (left out: " + timeWait.earlierRows()
                    + " earlier rows on the port)");
            return o;
        }
    }

    /** When the TIME_WAIT counts are as expected (polled until true or a deadline). */
    interface Settled {
        boolean test(int serverTimeWait, int clientTimeWait);
    }
}
