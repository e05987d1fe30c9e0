package org.closepolicy.reactor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import org.closepolicy.ClosePolicies;
import org.closepolicy.WhoClosed;
import org.closepolicy.netty.ClosePolicyHandler;
import org.closepolicy.netty.CloseGuard;
import org.closepolicy.testkit.DeterministicBytes;
import org.closepolicy.testkit.OneRequestLoad;
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
            TimeWaitCounter.Since timeWait = TimeWaitCounter.since(server.port()); // before the first connection
            OneRequestLoad.run(RawHttpClient.builder(server.address()).build(), n, DeterministicBytes.sha256Hex(ReactorServer.SMALL));
            await().atMost(Duration.ofSeconds(20)).until(() -> server.closePolicy.stats().closed() == n);
            assertThat(server.closePolicy.stats().whoClosed(WhoClosed.REMOTE_FIN)).isEqualTo(n);
            assertThat(timeWait.count().serverSide()).isLessThanOrEqualTo(n / 100);

            // head ... guard, Reactor's codec, the policy handler, Reactor's traffic handler ... tail
            assertThat(server.pipelines.get(0)).containsSubsequence(
                    CloseGuard.NAME, NettyPipeline.HttpCodec, ClosePolicyHandler.NAME, NettyPipeline.HttpTrafficHandler);
        }
    }
}
