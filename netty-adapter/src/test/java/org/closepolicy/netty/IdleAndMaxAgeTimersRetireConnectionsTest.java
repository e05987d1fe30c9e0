package org.closepolicy.netty;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import java.time.Duration;
import org.closepolicy.CloseEvent;
import org.closepolicy.ClosePolicy;
import org.closepolicy.Preset;
import org.closepolicy.RetireReason;
import org.closepolicy.WhoClosed;
import org.closepolicy.testkit.HttpResult;
import org.closepolicy.testkit.RawHttpClient;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The idle-timeout and max-age checks run on the event loop and ask the policy again: a kept connection
 * that stays idle, or grows too old, is retired by the server without waiting for a request.
 */
class IdleAndMaxAgeTimersRetireConnectionsTest {

    @ParameterizedTest
    @EnumSource(TestServer.Kind.class)
    void idleConnectionIsRetiredAfterTheIdleTimeout(TestServer.Kind kind) throws Exception {
        assumeThat(kind.available()).isTrue();
        ClosePolicy policy = ClosePolicy.builder(Preset.KEEP_ALIVE).idleTimeout(Duration.ofSeconds(1)).build();
        CloseEvent e = keptConnectionEnds(kind, policy);
        assertThat(e.retireReason()).as("%s", e).isEqualTo(RetireReason.IDLE_TIMEOUT);
        assertThat(e.whoClosed()).isEqualTo(WhoClosed.TIMEOUT);
        assertThat(e.lifetime()).isGreaterThanOrEqualTo(Duration.ofSeconds(1));
    }

    @ParameterizedTest
    @EnumSource(TestServer.Kind.class)
    void oldConnectionIsRetiredAtItsMaximumAge(TestServer.Kind kind) throws Exception {
        assumeThat(kind.available()).isTrue();
        ClosePolicy policy = ClosePolicy.builder(Preset.KEEP_ALIVE).idleTimeout(Duration.ofSeconds(30))
                .maxAge(Duration.ofMillis(700)).jitter(0).build();
        CloseEvent e = keptConnectionEnds(kind, policy);
        assertThat(e.retireReason()).as("%s", e).isEqualTo(RetireReason.MAX_AGE);
        assertThat(e.lifetime()).isGreaterThanOrEqualTo(Duration.ofMillis(700));
    }

    private static CloseEvent keptConnectionEnds(TestServer.Kind kind, ClosePolicy policy) throws Exception {
        try (TestServer server = TestServer.aggregating(kind, policy, p -> p.addLast(new Apps.Fixed(Apps.SMALL)))) {
            RawHttpClient.Exchange x = RawHttpClient.builder(server.address())
                    .closeStyle(RawHttpClient.CloseStyle.NEVER_CLOSE)
                    .holdTimeout(Duration.ofSeconds(20))
                    .build()
                    .start();
            HttpResult first = x.response().get(10, java.util.concurrent.TimeUnit.SECONDS);
            assertThat(first.ok()).isTrue();
            assertThat(first.headers().first("Connection")).isEmpty();
            CloseEvent e = server.events.awaitOne(Duration.ofSeconds(10));
            HttpResult whole = x.await(Duration.ofSeconds(10));
            assertThat(whole.serverClosed() || whole.resetSeen()).as("%s", whole).isTrue();
            return e;
        }
    }
}
