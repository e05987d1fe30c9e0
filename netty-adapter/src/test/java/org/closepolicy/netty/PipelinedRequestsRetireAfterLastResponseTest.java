package org.closepolicy.netty;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import java.time.Duration;
import java.util.List;
import org.closepolicy.CloseEvent;
import org.closepolicy.ClosePolicy;
import org.closepolicy.Preset;
import org.closepolicy.RetireReason;
import org.closepolicy.testkit.HttpResult;
import org.closepolicy.testkit.RawHttpClient;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Ten pipelined requests on a connection allowed five: exactly five responses come back in order, the
 * fifth with {@code Connection: close}; the later requests are dropped unanswered, then the connection ends.
 */
class PipelinedRequestsRetireAfterLastResponseTest {

    @ParameterizedTest
    @EnumSource(TestServer.Kind.class)
    void fiveOfTenPipelinedRequestsAreAnswered(TestServer.Kind kind) {
        assumeThat(kind.available()).isTrue();
        ClosePolicy policy = ClosePolicy.builder(Preset.KEEP_ALIVE).maxRequests(5).jitter(0).clientWait(Duration.ofMillis(300)).build();
        try (TestServer server = TestServer.aggregating(kind, policy, p -> p.addLast(new Apps.Fixed(Apps.SMALL)))) {
            RawHttpClient client = RawHttpClient.builder(server.address()).deadline(Duration.ofSeconds(20)).build();
            List<HttpResult> results = client.pipeline(10);
            for (int i = 0; i < 5; i++) {
                HttpResult r = results.get(i);
                assertThat(r.ok()).as("response %d: %s", i + 1, r).isTrue();
                boolean close = r.headers().first("Connection").map("close"::equalsIgnoreCase).orElse(false);
                assertThat(close).as("Connection: close on response %d only if it is the fifth", i + 1).isEqualTo(i == 4);
            }
            for (int i = 5; i < 10; i++) {
                assertThat(results.get(i).status()).as("request %d is not answered: %s", i + 1, results.get(i)).isEqualTo(-1);
            }
            CloseEvent e = server.events.awaitOne(Duration.ofSeconds(10));
            assertThat(e.requestsServed()).isEqualTo(5);
            assertThat(e.retireReason()).isEqualTo(RetireReason.MAX_REQUESTS);
        }
    }
}
