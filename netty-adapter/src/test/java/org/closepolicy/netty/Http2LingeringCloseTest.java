package org.closepolicy.netty;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.closepolicy.CloseEvent;
import org.closepolicy.CloseMode;
import org.closepolicy.ClosePolicy;
import org.closepolicy.Closer;
import org.closepolicy.Protocol;
import org.closepolicy.RetireReason;
import org.closepolicy.WhoClosed;
import org.closepolicy.testkit.DeterministicBytes;
import org.junit.jupiter.api.Test;

/**
 * The lingering close under HTTP/2 (h2c with prior knowledge): a connection retired by max-requests
 * sends its {@code GOAWAY}, lets its streams end, then half-closes and reads until the client closes,
 * bounded by the linger limits. Every response arrives whole, no connection ends with an RST, and each
 * close stays far inside {@code close.linger-time}.
 */
class Http2LingeringCloseTest {

    @Test
    void retiredConnectionsLingerAndEndWithoutReset() throws Exception {
        int n = 50;
        AtomicInteger goAways = new AtomicInteger();
        ClosePolicy policy = ClosePolicy.parse("lingering, reuse.max-requests=2, close.linger-time=20s");
        String expected = DeterministicBytes.sha256Hex(Apps.SMALL);
        try (TestServer server = H2.h2c(policy, goAways)) {
            for (int i = 0; i < n; i++) {
                try (H2.Client client = new H2.Client(server.address(), true)) {
                    for (int k = 0; k < 2; k++) {
                        assertThat(client.get("/small").get(5, TimeUnit.SECONDS).sha256()).isEqualTo(expected);
                    }
                    assertThat(client.parent.closeFuture().await(5, TimeUnit.SECONDS)).as("the connection ends after the GOAWAY").isTrue();
                }
            }
            List<CloseEvent> events = server.events.awaitAtLeast(n, Duration.ofSeconds(15));

            System.out.println("h2 lingering: " + server.closePolicy.stats().toJson());
            assertThat(goAways.get()).isEqualTo(n);
            // The server's FIN after the drain normally comes first; a client that closes on the GOAWAY may beat it.
            assertThat(server.closePolicy.stats().usedMode(CloseMode.LINGER)).isGreaterThanOrEqualTo(n * 9 / 10);
            assertThat(events).hasSize(n).allSatisfy(e -> {
                assertThat(e.protocol()).as(e.toString()).isEqualTo(Protocol.HTTP2);
                assertThat(e.retireReason()).as(e.toString()).isEqualTo(RetireReason.MAX_REQUESTS);
                assertThat(e.requestsServed()).as(e.toString()).isEqualTo(2);
                assertThat(e.plannedCloser()).as(e.toString()).isEqualTo(Closer.SERVER_FIRST);
                assertThat(e.plannedMode()).as(e.toString()).isEqualTo(CloseMode.LINGER);
                assertThat(e.usedMode()).as(e.toString()).isNotEqualTo(CloseMode.RST);
                assertThat(e.whoClosed()).as(e.toString()).isIn(WhoClosed.LOCAL_FIN, WhoClosed.REMOTE_FIN);
                assertThat(e.closeDuration()).as(e.toString()).isLessThan(Duration.ofSeconds(10));
            });
        }
    }
}
