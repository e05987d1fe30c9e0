package org.closepolicy.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Stream;
import org.closepolicy.CloseMode;
import org.closepolicy.ClosePolicies;
import org.closepolicy.ClosePolicy;
import org.closepolicy.Decision;
import org.closepolicy.RetireReason;
import org.closepolicy.testkit.HttpResult;
import org.closepolicy.testkit.LoadResult;
import org.closepolicy.testkit.LoadRunner;
import org.closepolicy.testkit.RawHttpClient;
import org.closepolicy.testkit.TimeWaitCounter;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Policy code that fails under load — always throws, returns null, throws for every other connection, or takes 1 ms per
 * decision — while 16 clients run {@code reliability.policy.connections} connections: no client error, every body
 * whole, the safe default (server-first lingering close) on every failed decision, and the server still serving.
 */
class FailingPolicyKeepsServerUpTest {

    private static final int CONNECTIONS = Integer.getInteger("reliability.policy.connections", 1_000);

    /** A policy that misbehaves. */
    enum Failure {
        THROWS, RETURNS_NULL, THROWS_FOR_EVERY_OTHER_CONNECTION, SLOW_1MS;

        ClosePolicy policy() {
            ClosePolicy good = ClosePolicy.parse("safe-reset, close.client-wait=1s");
            return switch (this) {
                case THROWS -> (view, now) -> {
                    throw new IllegalStateException("policy bug");
                };
                case RETURNS_NULL -> (view, now) -> null;
                case THROWS_FOR_EVERY_OTHER_CONNECTION -> (view, now) -> {
                    if (view.id() % 2 == 0) {
                        throw new IllegalStateException("policy bug");
                    }
                    return good.decide(view, now);
                };
                case SLOW_1MS -> (view, now) -> {
                    // The slowness being simulated: a policy that blocks its caller for 1 ms on every decision.
                    LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
                    Decision d = good.decide(view, now);
                    return d;
                };
            };
        }
    }

    static Stream<Arguments> cases() {
        return Stream.of(Adapter.values()).flatMap(a -> Stream.of(Failure.values()).map(f -> Arguments.of(a, f)));
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("cases")
    void serverStaysUpWithTheSafeDefault(Adapter adapter, Failure failure) {
        try (ServerUnderTest server = ServerUnderTest.start(adapter, failure.policy(), ServerUnderTest.Options.loopback().countOnly())) {
            RawHttpClient curl = RawHttpClient.builder(server.address()).path("/weather.xml").build();
            LoadResult r = LoadRunner.builder(curl).requests(CONNECTIONS).concurrency(16).deadline(Duration.ofMinutes(5))
                    .expectSha256(Payloads.sha256(Payloads.SMALL)).build().run();
            assertThat(r.errors()).as("%s %s: %s", adapter, failure, r).isZero();
            await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(20)).until(() -> server.stats().closed() >= CONNECTIONS);
            long safeDefaults = server.stats().retireReason(RetireReason.POLICY_ERROR);
            switch (failure) {
                case THROWS, RETURNS_NULL -> {
                    assertThat(safeDefaults).as("safe default applied").isEqualTo(CONNECTIONS);
                    assertThat(server.stats().usedMode(CloseMode.LINGER)).as("lingering close of the safe default").isEqualTo(CONNECTIONS);
                }
                case THROWS_FOR_EVERY_OTHER_CONNECTION -> assertThat(safeDefaults).as("safe default on the failed half")
                        .isBetween((long) CONNECTIONS / 3, (long) CONNECTIONS * 2 / 3);
                case SLOW_1MS -> {
                    assertThat(safeDefaults).isZero();
                    assertThat(server.stats().usedMode(CloseMode.RST)).as("safe-reset carried out").isEqualTo(CONNECTIONS);
                }
                default -> throw new IllegalStateException();
            }
            HttpResult after = curl.send();
            assertThat(after.ok()).as("still serving: %s", after).isTrue();
            assertThat(ClosePolicies.safeDefault().mode()).isEqualTo(CloseMode.LINGER);
            TimeWaitCounter.Counts tw = server.timeWait().count();
            Results.row("policy " + failure.name().toLowerCase(java.util.Locale.ROOT).replace('_', ' ') + " under load (16 clients)",
                    adapter, "safe-reset (wrapped)", CONNECTIONS + 1, r.bytesVerified() + after.bodyLength(), r.errors(), null,
                    tw.serverSide(), tw.clientSide(), safeDefaults + " safe defaults; "
                            + server.stats().toJson().replaceAll("\"[A-Z_]+\":0,?", "").replaceAll(".*\"whoClosed\"", "\"whoClosed\""));
        }
    }
}
