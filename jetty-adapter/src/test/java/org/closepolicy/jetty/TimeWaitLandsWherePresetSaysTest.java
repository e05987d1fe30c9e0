package org.closepolicy.jetty;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.time.Duration;
import org.closepolicy.ClosePolicies;
import org.closepolicy.ClosePolicy;
import org.closepolicy.WhoClosed;
import org.closepolicy.testkit.LoadResult;
import org.closepolicy.testkit.LoadRunner;
import org.closepolicy.testkit.RawHttpClient;
import org.closepolicy.testkit.Sha256;
import org.closepolicy.testkit.TimeWaitCounter;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The seed's situation: 2,000 one-request connections from curl-like clients (they read the
 * self-delimited response, then close). Where TIME_WAIT lands, counted from the kernel's table.
 */
class TimeWaitLandsWherePresetSaysTest {

    static final int N = 2_000;

    @BeforeAll
    static void kernelTableReadable() {
        assumeTrue(TimeWaitCounter.supported(), "the kernel's TCP table cannot be read here");
    }

    record Run(LoadResult load, TimeWaitCounter.Counts timeWait, TestServer server) {
    }

    static Run run(ClosePolicy policy) throws Exception {
        try (TestServer server = TestServer.start(policy, ExampleHandlers.routes())) {
            RawHttpClient curl = RawHttpClient.builder(server.address()).path("/weather").build();
            LoadResult load = LoadRunner.builder(curl).requests(N).concurrency(8).deadline(Duration.ofSeconds(120))
                    .expectSha256(Sha256.hex(ExampleHandlers.WEATHER)).build().run();
            await().atMost(Duration.ofSeconds(20)).until(() -> server.stats().closed() == N);
            TimeWaitCounter.Counts tw = TimeWaitCounter.count(server.port());
            System.out.printf("%s: %s, server TIME_WAIT %d, client TIME_WAIT %d, %s%n", policy.toSpec().substring(0, 36), load,
                    tw.serverSide(), tw.clientSide(), server.stats().toJson());
            return new Run(load, tw, server);
        }
    }

    @Test
    void serverFinLeavesTimeWaitOnTheServer() throws Exception {
        Run r = run(ClosePolicies.serverFin());

        assertThat(r.load().errors()).as(r.load().toString()).isZero();
        assertThat(r.server().stats().whoClosed(WhoClosed.LOCAL_FIN)).isEqualTo(N);
        // The client closes right after the response and often before the server's FIN arrives: a
        // simultaneous close, where both sides hold TIME_WAIT. So "≈ N" is at least a third here.
        assertThat(r.timeWait().serverSide()).isGreaterThanOrEqualTo(N / 3);
    }

    @Test
    void clientFirstMovesTimeWaitToTheClient() throws Exception {
        Run r = run(ClosePolicies.clientFirst());

        assertThat(r.load().errors()).as(r.load().toString()).isZero();
        assertThat(r.server().stats().whoClosed(WhoClosed.REMOTE_FIN)).isEqualTo(N);
        assertThat(r.timeWait().serverSide()).isLessThanOrEqualTo(N / 100);
        assertThat(r.timeWait().clientSide()).isGreaterThanOrEqualTo(N * 9 / 10);
    }

    @Test
    void safeResetLeavesTimeWaitOnNeitherSide() throws Exception {
        Run r = run(ClosePolicies.safeReset());

        assertThat(r.load().errors()).as(r.load().toString()).isZero();
        assertThat(r.load().resets()).isZero();
        assertThat(r.timeWait().serverSide()).isLessThanOrEqualTo(N / 100);
        assertThat(r.timeWait().clientSide()).isLessThanOrEqualTo(N / 100);
    }

    @Test
    void lingeringKeepsTimeWaitOnTheServer() throws Exception {
        Run r = run(ClosePolicies.lingering());

        assertThat(r.load().errors()).as(r.load().toString()).isZero();
        assertThat(r.server().stats().whoClosed(WhoClosed.LOCAL_FIN)).isEqualTo(N);
        assertThat(r.timeWait().serverSide()).isGreaterThanOrEqualTo(N / 3);
    }
}
