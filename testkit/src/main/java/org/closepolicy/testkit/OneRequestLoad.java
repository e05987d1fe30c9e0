package org.closepolicy.testkit;

import static org.awaitility.Awaitility.await;

import java.time.Duration;
import org.awaitility.core.ConditionTimeoutException;

/**
 * The seed workload of the TIME_WAIT tests: {@code n} connections with one request each (four at a time), every
 * response checked for status 200 and its SHA-256; and the kernel's TIME_WAIT on each side of the server port,
 * once it has settled.
 * <pre>{@code
 * TimeWaitCounter.Since timeWait = TimeWaitCounter.since(server.port()); // before the first connection
 * OneRequestLoad.run(RawHttpClient.builder(server.address()).build(), 500, DeterministicBytes.sha256Hex(1900));
 * await().until(() -> stats.closed() == 500);
 * TimeWaitCounter.Counts c = OneRequestLoad.settled(timeWait, (serverSide, clientSide) -> serverSide <= 5);
 * assertThat(c.serverSide()).isLessThanOrEqualTo(5);
 * }</pre>
 *
 * <p>Thread-safety: stateless; each run uses its own threads.
 */
public final class OneRequestLoad {

    /** How long the whole load may take. */
    public static final Duration DEADLINE = Duration.ofSeconds(120);
    /** How long to wait for the counts to settle (both FINs must be through before the rows show up). */
    public static final Duration SETTLE = Duration.ofSeconds(10);

    private OneRequestLoad() {
    }

    /** When the TIME_WAIT counts are as the test expects (polled until true or {@link #SETTLE}). */
    @FunctionalInterface
    public interface Settled {
        /** Whether the counts are final for the test. */
        boolean test(int serverTimeWait, int clientTimeWait);
    }

    /**
     * Runs {@code n} one-request connections of {@code client}; fails with an {@link AssertionError} naming the load
     * when any response is missing, not 200 or not {@code sha256}.
     */
    public static LoadResult run(RawHttpClient client, int n, String sha256) {
        LoadResult load = LoadRunner.builder(client)
                .requests(n)
                .concurrency(4)
                .deadline(DEADLINE)
                .expectStatus(200)
                .expectSha256(sha256)
                .build()
                .run();
        if (load.errors() != 0 || load.ok() != n) {
            throw new AssertionError("expected " + n + " whole responses and no errors: " + load);
        }
        return load;
    }

    /**
     * The counts of {@code timeWait} once {@code settled} holds, or at {@link #SETTLE} (the caller's assertions then
     * report them). Call it once the server has seen every connection close.
     */
    public static TimeWaitCounter.Counts settled(TimeWaitCounter.Since timeWait, Settled settled) {
        try {
            await().atMost(SETTLE).pollInterval(Duration.ofMillis(50)).until(() -> {
                TimeWaitCounter.Counts c = timeWait.count();
                return settled.test(c.serverSide(), c.clientSide());
            });
        } catch (ConditionTimeoutException e) {
            // The caller's assertions report the counts.
        }
        return timeWait.count();
    }
}
