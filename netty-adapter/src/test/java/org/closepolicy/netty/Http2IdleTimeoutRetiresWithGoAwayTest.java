package org.closepolicy.netty;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.closepolicy.CloseEvent;
import org.closepolicy.ClosePolicy;
import org.closepolicy.RetireReason;
import org.junit.jupiter.api.Test;

/** An h2c connection without open streams for the idle timeout is retired with a GOAWAY, then closed. */
class Http2IdleTimeoutRetiresWithGoAwayTest {

    @Test
    void idleConnectionGetsGoAway() throws Exception {
        AtomicInteger goAways = new AtomicInteger();
        ClosePolicy policy = ClosePolicy.builder().idleTimeout(Duration.ofSeconds(1)).build();
        try (TestServer server = H2.h2c(policy, goAways); H2.Client client = new H2.Client(server.address(), true)) {
            long t0 = System.nanoTime();
            assertThat(client.get("/small").get(5, TimeUnit.SECONDS).status()).isEqualTo(200);
            assertThat(client.goAway.await(5, TimeUnit.SECONDS)).isTrue();
            assertThat(Duration.ofNanos(System.nanoTime() - t0)).isGreaterThanOrEqualTo(Duration.ofSeconds(1));
            CloseEvent e = server.events.awaitOne(Duration.ofSeconds(5));
            System.out.println("h2 idle: " + e);
            assertThat(e.retireReason()).isEqualTo(RetireReason.IDLE_TIMEOUT);
            assertThat(e.requestsServed()).isEqualTo(1);
            assertThat(goAways.get()).isEqualTo(1);
        }
    }
}
