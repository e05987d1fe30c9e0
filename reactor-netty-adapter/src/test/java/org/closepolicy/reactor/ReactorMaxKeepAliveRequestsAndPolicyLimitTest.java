package org.closepolicy.reactor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import org.closepolicy.ClosePolicy;
import org.closepolicy.RetireReason;
import org.closepolicy.WhoClosed;
import org.closepolicy.testkit.HttpResult;
import org.closepolicy.testkit.RawHttpClient;
import org.junit.jupiter.api.Test;

/** {@code maxKeepAliveRequests} and {@code reuse.max-requests} both apply; the smaller wins; the close follows the policy. */
class ReactorMaxKeepAliveRequestsAndPolicyLimitTest {

    private static final List<String> TWO = List.of("/1", "/2");

    @Test
    void reactorsSmallerLimitRetiresAndTheClientClosesFirst() {
        try (ReactorServer server = new ReactorServer(ClosePolicy.parse("keep-alive, reuse.max-requests=5"),
                s -> s.maxKeepAliveRequests(2))) {
            List<HttpResult> results = RawHttpClient.builder(server.address()).build().sequence(TWO);
            assertServedThenClosed(results, 2);
            await().atMost(Duration.ofSeconds(10)).until(() -> server.closePolicy.stats().closed() == 1);
            assertThat(server.closePolicy.stats().retireReason(RetireReason.APPLICATION)).isEqualTo(1);
            assertThat(server.closePolicy.stats().whoClosed(WhoClosed.REMOTE_FIN)).isEqualTo(1);
        }
    }

    @Test
    void thePolicysSmallerLimitRetiresAndTheClientClosesFirst() {
        try (ReactorServer server = new ReactorServer(ClosePolicy.parse("keep-alive, reuse.max-requests=2, reuse.jitter=0%"),
                s -> s.maxKeepAliveRequests(5))) {
            List<HttpResult> results = RawHttpClient.builder(server.address()).build().sequence(TWO);
            assertServedThenClosed(results, 2);
            await().atMost(Duration.ofSeconds(10)).until(() -> server.closePolicy.stats().closed() == 1);
            assertThat(server.closePolicy.stats().retireReason(RetireReason.MAX_REQUESTS)).isEqualTo(1);
            assertThat(server.closePolicy.stats().whoClosed(WhoClosed.REMOTE_FIN)).isEqualTo(1);
        }
    }

    /** The first response keeps the connection, the second retires it; the client then closes first. */
    private static void assertServedThenClosed(List<HttpResult> results, int served) {
        for (int i = 0; i < served; i++) {
            assertThat(results.get(i).status()).as("response %d", i + 1).isEqualTo(200);
        }
        assertThat(results.get(0).headers().first("Connection")).isEmpty();
        assertThat(results.get(served - 1).headers().first("Connection")).hasValueSatisfying(
                v -> assertThat(v).isEqualToIgnoringCase("close"));
    }
}
