package org.closepolicy.jetty;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.closepolicy.ClosePolicies;
import org.closepolicy.Protocol;
import org.closepolicy.RetireReason;
import org.closepolicy.testkit.Sha256;
import org.closepolicy.testkit.TimeWaitCounter;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Client-first over HTTP/2: each connection is retired after its request with a {@code GOAWAY}; the
 * client closes once its streams are done, and the server waits for that FIN instead of sending its
 * own. TIME_WAIT counted from the kernel.
 */
class Http2ClientFirstLeavesNoServerTimeWaitTest {

    static final int N = 200;

    @BeforeAll
    static void kernelTableReadable() {
        assumeTrue(TimeWaitCounter.supported(), "the kernel's TCP table cannot be read here");
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(Http2Fixture.class)
    void retiredConnectionsLeaveTheTimeWaitToTheClient(Http2Fixture h2) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try (TestServer server = h2.start(ClosePolicies.clientFirst(), ExampleHandlers.routes()); Http2Client client = new Http2Client(h2)) {
            TimeWaitCounter.Since timeWait = TimeWaitCounter.since(server.port()); // before the first connection
            String scheme = h2 == Http2Fixture.H2 ? "https" : "http";
            List<CompletableFuture<String>> bodies = new ArrayList<>();
            for (int i = 0; i < N; i++) {
                bodies.add(CompletableFuture.supplyAsync(() -> {
                    try {
                        Http2Client.Connection c = client.connect(server.address());
                        String sha = c.get(scheme, server.port(), "/weather").get(10, TimeUnit.SECONDS).sha256();
                        c.closed.get(10, TimeUnit.SECONDS); // the GOAWAY came, the client closed
                        return sha;
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                }, pool));
            }
            for (CompletableFuture<String> b : bodies) {
                assertThat(b.get(60, TimeUnit.SECONDS)).isEqualTo(Sha256.hex(ExampleHandlers.WEATHER));
            }
            await().atMost(Duration.ofSeconds(20)).until(() -> server.stats().closed() == N);
            TimeWaitCounter.Counts tw = timeWait.count();

            assertThat(server.events()).allSatisfy(e -> {
                assertThat(e.protocol()).isEqualTo(Protocol.HTTP2);
                assertThat(e.retireReason()).as(e.toString()).isEqualTo(RetireReason.MAX_REQUESTS);
                assertThat(e.requestsServed()).isEqualTo(1);
            });
            assertThat(tw.serverSide()).as(tw.toString()).isLessThanOrEqualTo(N / 100);
            assertThat(tw.clientSide()).as(tw.toString()).isGreaterThanOrEqualTo(N * 3 / 4);
        } finally {
            pool.shutdownNow();
        }
    }
}
