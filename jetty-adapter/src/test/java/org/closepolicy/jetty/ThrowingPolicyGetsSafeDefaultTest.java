package org.closepolicy.jetty;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import org.closepolicy.CloseEvent;
import org.closepolicy.CloseMode;
import org.closepolicy.ClosePolicy;
import org.closepolicy.Closer;
import org.closepolicy.RetireReason;
import org.closepolicy.testkit.LoadResult;
import org.closepolicy.testkit.LoadRunner;
import org.closepolicy.testkit.RawHttpClient;
import org.closepolicy.testkit.Sha256;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Rule 6: a policy that throws or returns null never breaks a connection. The response is served
 * whole, marked as the last one, and the connection closes with the safe default: server-first
 * lingering close.
 */
class ThrowingPolicyGetsSafeDefaultTest {

    static final int N = 20;

    @ParameterizedTest(name = "policy that {0}")
    @ValueSource(strings = {"throws", "returns null"})
    void brokenPolicyGetsServerFirstLingeringClose(String how) throws Exception {
        ClosePolicy broken = how.equals("throws")
                ? (view, now) -> {
                    throw new IllegalStateException("policy bug");
                }
                : (view, now) -> null;
        try (TestServer server = TestServer.start(broken, ExampleHandlers.routes())) {
            RawHttpClient curl = RawHttpClient.builder(server.address()).path("/weather").build();
            LoadResult r = LoadRunner.builder(curl).requests(N).concurrency(2).expectSha256(Sha256.hex(ExampleHandlers.WEATHER))
                    .verify(x -> x.headers().hasToken("Connection", "close")).build().run();

            assertThat(r.errors()).as(r.toString()).isZero();
            await().atMost(Duration.ofSeconds(10)).until(() -> server.events().size() == N);
            for (CloseEvent e : server.events()) {
                assertThat(e.retireReason()).as(e.toString()).isEqualTo(RetireReason.POLICY_ERROR);
                assertThat(e.plannedCloser()).isEqualTo(Closer.SERVER_FIRST);
                assertThat(e.plannedMode()).isEqualTo(CloseMode.LINGER);
                assertThat(e.usedMode()).isEqualTo(CloseMode.LINGER);
            }
        }
    }
}
