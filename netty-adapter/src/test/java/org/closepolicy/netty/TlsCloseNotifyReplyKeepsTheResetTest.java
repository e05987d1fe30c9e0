package org.closepolicy.netty;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import java.time.Duration;
import org.closepolicy.CloseMode;
import org.closepolicy.ClosePolicies;
import org.closepolicy.CloseStats;
import org.closepolicy.FallbackReason;
import org.closepolicy.testkit.DeterministicBytes;
import org.closepolicy.testkit.LoadResult;
import org.closepolicy.testkit.LoadRunner;
import org.closepolicy.testkit.RawHttpClient;
import org.closepolicy.testkit.SelfSignedCertificate;
import org.closepolicy.testkit.TimeWaitCounter;
import org.junit.jupiter.api.Test;

/**
 * A JDK TLS 1.3 client closes with {@code user_canceled}, {@code close_notify} and its FIN back to back; the server's
 * TLS engine answers with its own {@code close_notify}, written while the FIN is being read. That answer is the only
 * byte in flight at the FIN, so safe-reset still resets (epoll's "not yet acknowledged" hint would otherwise turn
 * the RST into a FIN and leave the client in TIME_WAIT), and every response arrives whole.
 */
class TlsCloseNotifyReplyKeepsTheResetTest {

    private static final int N = 100;

    @Test
    void resetInReplyToTheFinDespiteTheServersCloseNotifyAnswer() {
        assumeThat(TestServer.Kind.EPOLL.available()).as("the unacknowledged hint needs epoll").isTrue();
        assumeThat(TimeWaitCounter.supported()).as("kernel TCP table readable").isTrue();
        try (TestServer server = TestServer.tls(TestServer.Kind.EPOLL, ClosePolicies.safeReset(), p -> p.addLast(new Apps.Fixed(Apps.SMALL)))) {
            TimeWaitCounter.Since timeWait = TimeWaitCounter.since(server.port());
            RawHttpClient client = RawHttpClient.builder(server.address())
                    .tls(SelfSignedCertificate.get().clientContext().getSocketFactory())
                    .build();
            LoadResult load = LoadRunner.builder(client)
                    .requests(N)
                    .concurrency(4)
                    .deadline(Duration.ofSeconds(60))
                    .expectStatus(200)
                    .expectSha256(DeterministicBytes.sha256Hex(Apps.SMALL))
                    .build()
                    .run();
            assertThat(load.errors()).as("%s", load).isZero();
            server.events.awaitAtLeast(N, Duration.ofSeconds(20));
            CloseStats stats = server.closePolicy.stats();
            TimeWaitCounter.Counts c = timeWait.count();
            String seen = c + " " + stats.toJson();
            assertThat(stats.fallback(FallbackReason.UNACKED_AT_PEER_FIN)).as(seen).isLessThanOrEqualTo(N / 100);
            assertThat(stats.usedMode(CloseMode.RST)).as(seen).isGreaterThanOrEqualTo(N - N / 100);
            assertThat(c.serverSide()).as(seen).isLessThanOrEqualTo(N / 100);
            assertThat(c.clientSide()).as(seen).isLessThanOrEqualTo(N / 100);
        }
    }
}
