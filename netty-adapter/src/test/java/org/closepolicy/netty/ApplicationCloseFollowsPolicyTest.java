package org.closepolicy.netty;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import java.time.Duration;
import org.closepolicy.ClosePolicies;
import org.closepolicy.WhoClosed;
import org.closepolicy.testkit.LoadResult;
import org.closepolicy.testkit.LoadRunner;
import org.closepolicy.testkit.RawHttpClient;
import org.closepolicy.testkit.TimeWaitCounter;
import org.junit.jupiter.api.Test;

/**
 * An application written like Netty's examples ({@code writeAndFlush(response).addListener(CLOSE)} for
 * clients that send {@code Connection: close}) still closes the way the policy says: its close waits for
 * the client's FIN under client-first, so the server keeps no TIME_WAIT.
 */
class ApplicationCloseFollowsPolicyTest {

    @Test
    void closeListenerOfTheApplicationWaitsForTheClient() {
        assumeThat(TimeWaitCounter.supported()).isTrue();
        int n = 300;
        try (TestServer server = TestServer.aggregating(TestServer.Kind.NIO, ClosePolicies.clientFirst(),
                p -> p.addLast(new Apps.Fixed(Apps.SMALL, true, true)))) {
            TimeWaitCounter.Since timeWait = TimeWaitCounter.since(server.port()); // before the first connection
            RawHttpClient curl = RawHttpClient.builder(server.address()).connectionClose(true).build();
            LoadResult r = LoadRunner.builder(curl).requests(n).concurrency(4).build().run();
            assertThat(r.errors()).as("%s", r).isZero();
            server.events.awaitAtLeast(n, Duration.ofSeconds(20));
            assertThat(server.closePolicy.stats().whoClosed(WhoClosed.REMOTE_FIN)).isEqualTo(n);
            assertThat(timeWait.count().serverSide()).isLessThanOrEqualTo(n / 100);
        }
    }
}
