package org.closepolicy.netty;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import java.time.Duration;
import org.closepolicy.ClosePolicies;
import org.closepolicy.ClosePolicy;
import org.closepolicy.Preset;
import org.closepolicy.testkit.DeterministicBytes;
import org.closepolicy.testkit.Fds;
import org.closepolicy.testkit.LoadResult;
import org.closepolicy.testkit.LoadRunner;
import org.closepolicy.testkit.RawHttpClient;
import org.junit.jupiter.api.Test;

/**
 * 20,000 connections through every close path (the policy rotates the presets per connection) leave no
 * channel open and no file descriptor behind, and every connection produced exactly one close event.
 */
class NoLeakedFdsAfterManyConnectionsTest {

    private static final int N = 20_000;

    @Test
    void everyConnectionIsClosedAndReleased() {
        assumeThat(Fds.supported()).isTrue();
        Preset[] presets = Preset.values();
        ClosePolicy rotating = (view, now) -> ClosePolicies.of(presets[(int) (view.id() % presets.length)]).decide(view, now);
        try (TestServer server = TestServer.aggregating(TestServer.Kind.NIO, rotating, p -> p.addLast(new Apps.Fixed(Apps.SMALL)))) {
            RawHttpClient curl = RawHttpClient.builder(server.address()).build();
            LoadRunner.Builder load = LoadRunner.builder(curl).concurrency(8).deadline(Duration.ofSeconds(240))
                    .expectSha256(DeterministicBytes.sha256Hex(Apps.SMALL));
            load.requests(200).build().run(); // warm up: threads, pools, the ack watcher
            server.events.awaitAtLeast(200, Duration.ofSeconds(20));
            int before = Fds.openCount();

            LoadResult r = load.requests(N).build().run();
            assertThat(r.errors()).as("%s", r).isZero();
            server.events.awaitAtLeast(200 + N, Duration.ofSeconds(30));

            int after = Fds.awaitAtMost(before + 8, Duration.ofSeconds(30));
            assertThat(after).as("open fds before %d, after %d", before, after).isLessThanOrEqualTo(before + 8);
            assertThat(server.events.count()).isEqualTo(200 + N);
            assertThat(server.closePolicy.stats().opened()).isEqualTo(200 + N);
            assertThat(server.closePolicy.stats().closed()).isEqualTo(200 + N);
            assertThat(server.closePolicy.load().openConnections()).isZero();
            System.out.println("fds before " + before + " after " + after + "; " + server.closePolicy.stats().toJson());
        }
    }
}
