package org.closepolicy.jetty;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.Socket;
import java.time.Duration;
import java.util.List;
import org.closepolicy.ClosePolicy;
import org.closepolicy.testkit.HttpResult;
import org.closepolicy.testkit.RawHttpClient;
import org.junit.jupiter.api.Test;

/**
 * A {@code min-open-connections} rule means on Jetty what it means on Netty: the connector counts its open
 * connections by default, without a load monitor given, so the rule matches once enough are open.
 */
class OpenConnectionsRuleMatchesByDefaultTest {

    private static final ClosePolicy POLICY = ClosePolicy.parse(
            "keep-alive, reuse.jitter=0, rule.busy.when.min-open-connections=2, rule.busy.reuse.max-requests=1");

    @Test
    void oneOpenConnectionIsKept() throws Exception {
        try (TestServer server = TestServer.start(POLICY, ExampleHandlers.routes())) {
            List<HttpResult> rs = RawHttpClient.builder(server.address()).path("/weather").build().pipeline(2);

            assertThat(rs.get(0).ok()).as(rs.get(0).toString()).isTrue();
            assertThat(rs.get(0).headers().hasToken("Connection", "close")).as("the rule does not match alone").isFalse();
        }
    }

    @Test
    void theRuleMatchesWithTwoOpenConnections() throws Exception {
        try (TestServer server = TestServer.start(POLICY, ExampleHandlers.routes());
             Socket other = new Socket(server.address().getAddress(), server.port())) {
            await().atMost(Duration.ofSeconds(10)).until(() -> server.stats().open() >= 1);

            List<HttpResult> rs = RawHttpClient.builder(server.address()).path("/weather").build().pipeline(2);

            assertThat(rs.get(0).ok()).as(rs.get(0).toString()).isTrue();
            assertThat(rs.get(0).headers().hasToken("Connection", "close"))
                    .as("two open connections: the busy rule retires after one request").isTrue();
        }
    }
}
