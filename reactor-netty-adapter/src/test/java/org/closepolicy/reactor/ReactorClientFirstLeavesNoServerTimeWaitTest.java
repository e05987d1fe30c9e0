package org.closepolicy.reactor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import org.closepolicy.ClosePolicies;
import org.closepolicy.WhoClosed;
import org.closepolicy.netty.ClosePolicyHandler;
import org.closepolicy.netty.CloseGuard;
import org.closepolicy.testkit.DeterministicBytes;
import org.closepolicy.testkit.LoadResult;
import org.closepolicy.testkit.LoadRunner;
import org.closepolicy.testkit.RawHttpClient;
import org.closepolicy.testkit.TimeWaitCounter;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import reactor.netty.NettyPipeline;

class ReactorClientFirstLeavesNoServerTimeWaitTest {

    @Test
    void oneRequestConnectionsLeaveTheirTimeWaitWithTheClient() {
        Assumptions.assumeTrue(TimeWaitCounter.supported(), "needs the kernel's TCP table");
        int n = 200;
        try (ReactorServer server = new ReactorServer(ClosePolicies.clientFirst(), s -> s)) {
            LoadResult load = LoadRunner.builder(RawHttpClient.builder(server.address()).build())
                    .requests(n)
                    .concurrency(4)
                    .deadline(Duration.ofSeconds(60))
                    .expectStatus(200)
                    .expectSha256(DeterministicBytes.sha256Hex(ReactorServer.SMALL))
                    .build()
                    .run();
            assertThat(load.errors()).as("%s", load).isZero();
            assertThat(load.ok()).isEqualTo(n);
            await().atMost(Duration.ofSeconds(20)).until(() -> server.closePolicy.stats().closed() == n);
            assertThat(server.closePolicy.stats().whoClosed(WhoClosed.REMOTE_FIN)).isEqualTo(n);
            assertThat(TimeWaitCounter.serverSide(server.port())).isLessThanOrEqualTo(n / 100);

            // head ... guard, Reactor's codec, the policy handler, Reactor's traffic handler ... tail
            assertThat(server.pipelines.get(0)).containsSubsequence(
                    CloseGuard.NAME, NettyPipeline.HttpCodec, ClosePolicyHandler.NAME, NettyPipeline.HttpTrafficHandler);
        }
    }
}
