package org.closepolicy.netty;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.closepolicy.ClosePolicies;
import org.closepolicy.DrainReport;
import org.closepolicy.testkit.DeterministicBytes;
import org.junit.jupiter.api.Test;

/**
 * {@code drain(timeout)} of h2c connections with a slow stream in flight on each: the server sends exactly one
 * graceful {@code GOAWAY} per connection, every stream finishes whole, and the report counts one GOAWAY per
 * connection and nothing cut.
 */
class Http2DrainSendsOneGoAwayPerConnectionTest {

    private static final int CONNECTIONS = 4;

    @Test
    void everyConnectionGetsOneGoAwayAndItsStreamFinishes() throws Exception {
        AtomicInteger goAways = new AtomicInteger();
        List<H2.Client> clients = new ArrayList<>();
        try (TestServer server = H2.h2c(ClosePolicies.keepAlive(), goAways)) {
            List<CompletableFuture<H2.Result>> slow = new ArrayList<>();
            for (int i = 0; i < CONNECTIONS; i++) {
                H2.Client c = new H2.Client(server.address(), true);
                clients.add(c);
                assertThat(c.get("/small").get(10, TimeUnit.SECONDS).status()).isEqualTo(200);
                slow.add(c.get("/slow"));
            }

            DrainReport report = server.closePolicy.drain(Duration.ofSeconds(10)).get(20, TimeUnit.SECONDS);

            for (int i = 0; i < CONNECTIONS; i++) {
                H2.Result r = slow.get(i).get(10, TimeUnit.SECONDS);
                assertThat(r.length()).isEqualTo(H2.SLOW);
                assertThat(r.sha256()).isEqualTo(DeterministicBytes.sha256Hex(H2.SLOW));
                assertThat(clients.get(i).goAway.await(5, TimeUnit.SECONDS)).as("GOAWAY on connection %d", i).isTrue();
            }
            System.out.println("netty h2c drain: " + report);
            // Each connection saw one, and the server sent as many as there are connections: exactly one each.
            assertThat(goAways.get()).isEqualTo(CONNECTIONS);
            assertThat(report.connectionsAtStart()).as("%s", report).isEqualTo(CONNECTIONS);
            assertThat(report.goAways()).as("%s", report).isEqualTo(CONNECTIONS);
            assertThat(report.cutAtDeadline() + report.stillOpen()).as("%s", report).isZero();
        } finally {
            clients.forEach(H2.Client::close);
        }
    }
}
