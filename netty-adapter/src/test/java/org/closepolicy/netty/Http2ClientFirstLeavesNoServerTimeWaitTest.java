package org.closepolicy.netty;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.closepolicy.CloseMode;
import org.closepolicy.CloseStats;
import org.closepolicy.ClosePolicy;
import org.closepolicy.RetireReason;
import org.closepolicy.WhoClosed;
import org.closepolicy.testkit.DeterministicBytes;
import org.closepolicy.testkit.TimeWaitCounter;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * HTTP/2 (h2c with prior knowledge; TLS changes nothing about who closes, see {@link TlsTimeWaitPerPresetTest} and
 * {@link Http2MaxRequestsMoveClientsToNewConnectionsTest}): connections retired by max-requests with a GOAWAY are
 * closed first by a client that closes once its last stream ended (Netty's client here), so under client-first the
 * server keeps no TIME_WAIT, and under safe-reset neither side does. Counted from the kernel table.
 */
class Http2ClientFirstLeavesNoServerTimeWaitTest {

    @ParameterizedTest
    @ValueSource(strings = {"client-first", "safe-reset"})
    void noServerTimeWaitAfterGoAway(String preset) throws Exception {
        assumeThat(TimeWaitCounter.supported()).isTrue();
        int n = 200;
        AtomicInteger goAways = new AtomicInteger();
        ClosePolicy policy = ClosePolicy.parse(preset + ", reuse.max-requests=2");

        String expected = DeterministicBytes.sha256Hex(Apps.SMALL);
        try (TestServer server = H2.h2c(policy, goAways)) {
            TimeWaitCounter.Since timeWait = TimeWaitCounter.since(server.port()); // before the first connection
            for (int i = 0; i < n; i++) {
                try (H2.Client client = new H2.Client(server.address(), true)) {
                    for (int k = 0; k < 2; k++) {
                        H2.Result r = client.get("/small").get(5, TimeUnit.SECONDS);
                        assertThat(r.sha256()).isEqualTo(expected);
                    }
                    assertThat(client.parent.closeFuture().await(5, TimeUnit.SECONDS)).as("the client closes after the GOAWAY").isTrue();
                }
            }
            CloseStats stats = server.closePolicy.stats();
            await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(20)).until(() -> stats.closed() >= n);
            TimeWaitCounter.Counts c = timeWait.count();
            String seen = "server TW " + c.serverSide() + ", client TW " + c.clientSide() + ", " + stats.toJson();
            System.out.println("h2 TIME_WAIT " + preset + ": " + seen);
            assertThat(goAways.get()).isEqualTo(n);
            assertThat(stats.retireReason(RetireReason.MAX_REQUESTS)).as(seen).isEqualTo(n);
            assertThat(stats.requests()).as(seen).isEqualTo(2L * n);
            assertThat(stats.whoClosed(WhoClosed.REMOTE_FIN)).as(seen).isGreaterThanOrEqualTo(n - n / 100);
            assertThat(c.serverSide()).as(seen).isLessThanOrEqualTo(n / 100);
            if (preset.equals("safe-reset")) {
                // The RST in reply to the client's FIN takes the client's socket out of FIN_WAIT2: no TIME_WAIT anywhere.
                assertThat(stats.usedMode(CloseMode.RST)).as(seen).isGreaterThanOrEqualTo(n - n / 100);
                assertThat(c.clientSide()).as(seen).isLessThanOrEqualTo(n / 100);
            }
        }
    }
}
