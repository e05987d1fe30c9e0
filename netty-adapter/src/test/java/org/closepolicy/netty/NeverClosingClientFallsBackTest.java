package org.closepolicy.netty;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import java.time.Duration;
import org.closepolicy.CloseEvent;
import org.closepolicy.CloseMode;
import org.closepolicy.ClosePolicy;
import org.closepolicy.FallbackReason;
import org.closepolicy.Preset;
import org.closepolicy.RetireReason;
import org.closepolicy.StandardClosePolicy;
import org.closepolicy.testkit.HttpResult;
import org.closepolicy.testkit.RawHttpClient;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A client that reads its response and never closes: the server waits {@code clientWait}, then runs the
 * fallback (an RST once every byte is acknowledged) and the connection ends within the wait plus its bounds.
 */
class NeverClosingClientFallsBackTest {

    private static final Duration CLIENT_WAIT = Duration.ofMillis(500);

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("org.closepolicy.netty.ClientWaitCases#everyKindWithAClientWait")
    void fallbackRunsWhenTheClientWaitRunsOut(TestServer.Kind kind, Preset preset) throws Exception {
        assumeThat(kind.available()).isTrue();
        StandardClosePolicy policy = ClosePolicy.builder(preset).clientWait(CLIENT_WAIT).build();
        Duration ackWait = policy.defaults().ackWait();
        try (TestServer server = TestServer.aggregating(kind, policy, p -> p.addLast(new Apps.Fixed(Apps.SMALL)))) {
            RawHttpClient stuck = RawHttpClient.builder(server.address())
                    .closeStyle(RawHttpClient.CloseStyle.NEVER_CLOSE)
                    .holdTimeout(Duration.ofSeconds(20))
                    .build();
            RawHttpClient.Exchange x = stuck.start();
            HttpResult response = x.response().get(10, java.util.concurrent.TimeUnit.SECONDS);
            assertThat(response.ok()).as("%s", response).isTrue();
            assertThat(response.headers().first("Connection")).contains("close");

            CloseEvent e = server.events.awaitOne(CLIENT_WAIT.plus(ackWait).plus(Duration.ofSeconds(3)));
            assertThat(e.fallbackReason()).as("%s", e).isEqualTo(FallbackReason.CLIENT_WAIT_EXPIRED);
            assertThat(e.retireReason()).isEqualTo(RetireReason.MAX_REQUESTS);
            assertThat(e.usedMode()).as("ack-checked reset of an acknowledged response: %s", e).isEqualTo(CloseMode.RST);
            assertThat(e.closeDuration()).isGreaterThanOrEqualTo(CLIENT_WAIT);
            assertThat(e.closeDuration()).isLessThan(CLIENT_WAIT.plus(ackWait));

            HttpResult whole = x.await(Duration.ofSeconds(10));
            assertThat(whole.ok()).as("the response stays intact after the reset: %s", whole).isTrue();
            assertThat(whole.serverClosed() || whole.resetSeen()).as("%s", whole).isTrue();
        }
    }
}
