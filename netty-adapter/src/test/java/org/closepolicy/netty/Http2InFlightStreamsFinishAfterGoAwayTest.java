package org.closepolicy.netty;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.closepolicy.CloseEvent;
import org.closepolicy.ClosePolicy;
import org.closepolicy.Protocol;
import org.closepolicy.RetireReason;
import org.closepolicy.WhoClosed;
import org.closepolicy.testkit.DeterministicBytes;
import org.junit.jupiter.api.Test;

/**
 * h2c (prior knowledge, Netty's client): a GOAWAY while a slow stream is in flight lets that stream finish whole,
 * then the client closes first; a stream that never ends is cut off by {@code reuse.drain-timeout}.
 */
class Http2InFlightStreamsFinishAfterGoAwayTest {

    @Test
    void slowStreamFinishesWholeAndTheClientClosesFirst() throws Exception {
        AtomicInteger goAways = new AtomicInteger();
        ClosePolicy policy = ClosePolicy.parse("keep-alive, reuse.max-requests=1, reuse.jitter=0");
        try (TestServer server = H2.h2c(policy, goAways); H2.Client client = new H2.Client(server.address(), true)) {
            CompletableFuture<H2.Result> slow = client.get("/slow");
            H2.Result small = client.get("/small").get(5, TimeUnit.SECONDS);
            assertThat(small.sha256()).isEqualTo(DeterministicBytes.sha256Hex(Apps.SMALL));
            assertThat(client.goAway.await(5, TimeUnit.SECONDS)).as("GOAWAY after the first stream ended").isTrue();
            assertThat(slow).as("still in flight at the GOAWAY").isNotDone();

            H2.Result r = slow.get(10, TimeUnit.SECONDS);
            assertThat(r.length()).isEqualTo(H2.SLOW);
            assertThat(r.sha256()).isEqualTo(DeterministicBytes.sha256Hex(H2.SLOW));
            CloseEvent e = server.events.awaitOne(Duration.ofSeconds(5));
            System.out.println("h2 in flight: " + e);
            assertThat(e.protocol()).isEqualTo(Protocol.HTTP2);
            assertThat(e.requestsServed()).isEqualTo(2);
            assertThat(e.retireReason()).isEqualTo(RetireReason.MAX_REQUESTS);
            assertThat(e.whoClosed()).as("%s", e).isEqualTo(WhoClosed.REMOTE_FIN);
            // Every frame: both bodies, a 9-byte head per DATA frame (16 KiB each at most), headers, SETTINGS, GOAWAY.
            long bodies = H2.SLOW + Apps.SMALL;
            assertThat(e.bytesOut()).isBetween(bodies + 9 * (H2.SLOW / 16_384), bodies + 9 * (H2.SLOW / 16_384 + 8) + 1024);
            assertThat(goAways.get()).isEqualTo(1);

            try (H2.Client next = new H2.Client(server.address(), true)) {
                assertThat(next.get("/small").get(5, TimeUnit.SECONDS).status()).isEqualTo(200);
            }
            assertThat(server.closePolicy.stats().opened()).isEqualTo(2);
        }
    }

    @Test
    void drainTimeoutBoundsAStreamThatNeverEnds() throws Exception {
        AtomicInteger goAways = new AtomicInteger();
        Duration drain = Duration.ofMillis(500);
        ClosePolicy policy = ClosePolicy.builder().maxRequests(1).jitter(0).drainTimeout(drain).build();
        try (TestServer server = H2.h2c(policy, goAways); H2.Client client = new H2.Client(server.address(), true)) {
            CompletableFuture<H2.Result> never = client.get("/never");
            long t0 = System.nanoTime();
            assertThat(client.get("/small").get(5, TimeUnit.SECONDS).status()).isEqualTo(200);
            assertThat(client.goAway.await(5, TimeUnit.SECONDS)).isTrue();
            assertThat(client.parent.closeFuture().await(drain.plus(Duration.ofSeconds(3)).toMillis())).isTrue();
            long closedAfter = System.nanoTime() - t0;
            assertThatThrownBy(() -> never.get(1, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class);
            CloseEvent e = server.events.awaitOne(Duration.ofSeconds(5));
            System.out.println("h2 drain timeout: " + e + " closed after " + closedAfter / 1_000_000 + " ms");
            assertThat(Duration.ofNanos(closedAfter)).isGreaterThanOrEqualTo(drain);
            assertThat(e.retireReason()).isEqualTo(RetireReason.MAX_REQUESTS);
            assertThat(e.requestsServed()).isEqualTo(1);
            assertThat(e.whoClosed()).as("the server cuts the stream off: %s", e).isIn(WhoClosed.LOCAL_FIN, WhoClosed.LOCAL_RST);
        }
    }
}
