package org.closepolicy.reactor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import org.closepolicy.CloseStats;
import org.closepolicy.ClosePolicies;
import org.closepolicy.testkit.DeterministicBytes;
import org.closepolicy.testkit.OneRequestLoad;
import org.closepolicy.testkit.RawHttpClient;
import org.junit.jupiter.api.Test;

/**
 * Reactor Netty's cleartext HTTP/1.1 pipeline starts with its codec (the policy's close guard aside, which passes
 * every byte untouched), so the policy counts each connection's bytes
 * where the socket reads and writes them: no byte-counting handler joins the pipeline, and the counts cover every
 * request and response, heads included.
 */
class ReactorCountsBytesAtTheSocketTest {

    @Test
    void cleartextConnectionsAreCountedWithoutAByteCounterInThePipeline() {
        int n = 20;
        try (ReactorServer server = new ReactorServer(ClosePolicies.safeReset(), s -> s)) {
            OneRequestLoad.run(RawHttpClient.builder(server.address()).build(), n, DeterministicBytes.sha256Hex(ReactorServer.SMALL));
            await().atMost(Duration.ofSeconds(20)).until(() -> server.closePolicy.stats().closed() == n);
            assertThat(server.pipelinesAtRequest).hasSize(n).allSatisfy(names -> assertThat(names)
                    .as("the pipeline while it serves the request").startsWith("closePolicyGuard", "reactor.left.httpCodec")
                    .contains("closePolicy").doesNotContain("closePolicyBytes"));
            CloseStats stats = server.closePolicy.stats();
            assertThat(stats.bytesIn()).as(stats.toJson()).isGreaterThanOrEqualTo(n * 30L); // "GET / HTTP/1.1", Host, ...
            assertThat(stats.bytesOut()).as(stats.toJson()).isGreaterThan(n * (long) ReactorServer.SMALL);
        }
    }
}
