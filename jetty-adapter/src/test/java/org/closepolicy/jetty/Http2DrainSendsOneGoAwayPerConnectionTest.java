package org.closepolicy.jetty;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.closepolicy.ClosePolicies;
import org.closepolicy.DrainReport;
import org.closepolicy.testkit.DeterministicBytes;
import org.eclipse.jetty.http2.ErrorCode;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * {@code drain(timeout)} of HTTP/2 connections (h2 and h2c) with a slow stream in flight on each: every connection
 * gets exactly one graceful {@code GOAWAY} (NO_ERROR, naming the stream in flight), the streams finish whole, and
 * the report counts one GOAWAY per connection and nothing cut.
 */
class Http2DrainSendsOneGoAwayPerConnectionTest {

    private static final int CONNECTIONS = 4;
    private static final long SLOW = 500_000;

    @ParameterizedTest(name = "{0}")
    @EnumSource(Http2Fixture.class)
    void everyConnectionGetsOneGoAwayAndItsStreamFinishes(Http2Fixture h2) throws Exception {
        try (TestServer server = h2.start(ClosePolicies.keepAlive(), ExampleHandlers.routes()); Http2Client client = new Http2Client(h2)) {
            String scheme = h2 == Http2Fixture.H2 ? "https" : "http";
            List<Http2Client.Connection> connections = new ArrayList<>();
            List<CompletableFuture<Http2Client.Response>> slow = new ArrayList<>();
            for (int i = 0; i < CONNECTIONS; i++) {
                Http2Client.Connection c = client.connect(server.address());
                assertThat(c.get(scheme, server.port(), "/weather").get(10, TimeUnit.SECONDS).status()).isEqualTo(200);
                connections.add(c);
                slow.add(c.get(scheme, server.port(), "/slow?n=" + SLOW + "&ms=1500")); // stream 3 of each
            }

            DrainReport report = server.connector().drain(Duration.ofSeconds(10)).get(20, TimeUnit.SECONDS);

            for (int i = 0; i < CONNECTIONS; i++) {
                Http2Client.Response r = slow.get(i).get(10, TimeUnit.SECONDS);
                assertThat(r.resetError()).as("stream %d", i).isEqualTo(-1);
                assertThat(r.length()).isEqualTo(SLOW);
                assertThat(r.sha256()).isEqualTo(DeterministicBytes.sha256Hex(SLOW));
                Http2Client.Connection c = connections.get(i);
                c.closed.get(10, TimeUnit.SECONDS);
                assertThat(c.goAway.get().getError()).isEqualTo(ErrorCode.NO_ERROR.code);
                assertThat(c.goAway.get().getLastStreamId()).isEqualTo(3);
                assertThat(c.goAways.get()).as("GOAWAY frames on connection %d", i).isEqualTo(1);
            }
            System.out.println("jetty " + h2 + " drain: " + report);
            assertThat(report.connectionsAtStart()).as("%s", report).isEqualTo(CONNECTIONS);
            assertThat(report.goAways()).as("%s", report).isEqualTo(CONNECTIONS);
            assertThat(report.cutAtDeadline() + report.stillOpen()).as("%s", report).isZero();
        }
    }
}
