package org.closepolicy.jetty;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.lang.ref.WeakReference;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.closepolicy.ClosePolicy;
import org.closepolicy.Preset;
import org.closepolicy.WhoClosed;
import org.closepolicy.testkit.LoadResult;
import org.closepolicy.testkit.LoadRunner;
import org.closepolicy.testkit.RawHttpClient;
import org.closepolicy.testkit.Sha256;
import org.eclipse.jetty.io.Connection;
import org.junit.jupiter.api.Test;

/**
 * A connection that closed is garbage as soon as it closed, also when its close step had armed a deadline far
 * ahead: client-first connections arm their client wait (here a minute) after the last response and cancel it at
 * the client's FIN a moment later. Their endpoints must become unreachable well before that minute; a timer list
 * that kept cancelled deadlines until the sweep due at their deadline kept every one of them alive that long,
 * through young collections.
 */
class ClosedConnectionsAreNotKeptReachableTest {

    static final int CONNECTIONS = 500;
    static final int LEFT_BY_JETTY = 16;

    @Test
    void endPointsOfClosedConnectionsAreCollected() throws Exception {
        ClosePolicy policy = ClosePolicy.builder(Preset.CLIENT_FIRST).clientWait(Duration.ofMinutes(1)).maxRequests(1).build();
        List<WeakReference<Object>> endPoints = new CopyOnWriteArrayList<>();
        try (TestServer server = TestServer.start(policy, ExampleHandlers.routes())) {
            server.connector().addBean(new Connection.Listener() {
                @Override
                public void onOpened(Connection connection) {
                    endPoints.add(new WeakReference<>(connection.getEndPoint()));
                }
            });
            RawHttpClient curl = RawHttpClient.builder(server.address()).path("/weather").build();
            LoadResult r = LoadRunner.builder(curl).requests(CONNECTIONS).concurrency(8).deadline(Duration.ofMinutes(2))
                    .expectSha256(Sha256.hex(ExampleHandlers.WEATHER)).build().run();
            assertThat(r.errors()).as(r.toString()).isZero();
            await().atMost(Duration.ofSeconds(20)).until(() -> server.stats().closed() == CONNECTIONS);
            assertThat(server.stats().whoClosed(WhoClosed.REMOTE_FIN)).isEqualTo(CONNECTIONS);
            assertThat(endPoints).hasSizeGreaterThanOrEqualTo(CONNECTIONS);

            // Well within the minute of the client wait, the endpoints are collected. Jetty itself may still hold
            // the last few (its selector's last selected keys, a thread's last task): a handful, not all of them.
            await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(200))
                    .untilAsserted(() -> {
                        System.gc();
                        assertThat(endPoints.stream().filter(ref -> ref.get() != null).count())
                                .as("endpoints of closed connections still reachable").isLessThanOrEqualTo(LEFT_BY_JETTY);
                    });
        }
    }
}
