package org.closepolicy.jetty;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.closepolicy.CloseEvent;
import org.closepolicy.ClosePolicy;
import org.closepolicy.Preset;
import org.closepolicy.Protocol;
import org.closepolicy.RetireReason;
import org.closepolicy.testkit.DeterministicBytes;
import org.closepolicy.testkit.Sha256;
import org.eclipse.jetty.http2.ErrorCode;
import org.eclipse.jetty.http2.frames.GoAwayFrame;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A retired HTTP/2 connection says {@code GOAWAY} with the last stream id it accepted, lets the
 * streams in flight run to their end (bounded by {@code reuse.drain-timeout}), and only then closes.
 * The client here is Jetty's, which keeps such streams running as RFC 9113 says.
 */
class Http2GoAwayDrainsStreamsInFlightTest {

    static final long SLOW = 1_000_000;

    @ParameterizedTest(name = "{0}")
    @EnumSource(Http2Fixture.class)
    void aSlowStreamSurvivesTheRetirementOfItsConnection(Http2Fixture h2) throws Exception {
        ClosePolicy policy = ClosePolicy.builder(Preset.KEEP_ALIVE).maxRequests(2).jitter(0).build();
        try (TestServer server = h2.start(policy, ExampleHandlers.routes()); Http2Client client = new Http2Client(h2)) {
            String scheme = h2 == Http2Fixture.H2 ? "https" : "http";
            Http2Client.Connection c = client.connect(server.address());
            var slow = c.get(scheme, server.port(), "/slow?n=" + SLOW + "&ms=1500"); // stream 1, 1.5 s
            // Streams 3 and 5 end while stream 1 runs: the second one retires the connection.
            assertThat(c.get(scheme, server.port(), "/weather").get(10, TimeUnit.SECONDS).sha256()).isEqualTo(Sha256.hex(ExampleHandlers.WEATHER));
            assertThat(c.get(scheme, server.port(), "/weather").get(10, TimeUnit.SECONDS).status()).isEqualTo(200);

            GoAwayFrame goAway = c.goAway.get(10, TimeUnit.SECONDS);
            assertThat(goAway.getError()).isEqualTo(ErrorCode.NO_ERROR.code);
            assertThat(goAway.getLastStreamId()).isEqualTo(5);
            assertThat(slow.isDone()).as("the slow stream is still running after the GOAWAY").isFalse();

            Http2Client.Response r = slow.get(10, TimeUnit.SECONDS);
            assertThat(r.resetError()).isEqualTo(-1);
            assertThat(r.length()).isEqualTo(SLOW);
            assertThat(r.sha256()).isEqualTo(DeterministicBytes.sha256Hex(SLOW));

            // New requests go to a new connection.
            Http2Client.Connection next = client.connect(server.address());
            assertThat(next.get(scheme, server.port(), "/weather").get(10, TimeUnit.SECONDS).status()).isEqualTo(200);
            await().atMost(Duration.ofSeconds(10)).until(() -> server.events().size() == 1);
            CloseEvent e = server.events().get(0);
            assertThat(e.protocol()).as(e.toString()).isEqualTo(Protocol.HTTP2);
            assertThat(e.requestsServed()).as(e.toString()).isEqualTo(3);
            assertThat(e.retireReason()).as(e.toString()).isEqualTo(RetireReason.MAX_REQUESTS);
        }
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(Http2Fixture.class)
    void theDrainTimeoutBoundsAStreamThatNeverEnds(Http2Fixture h2) throws Exception {
        Duration drain = Duration.ofMillis(500);
        ClosePolicy policy = ClosePolicy.builder(Preset.KEEP_ALIVE).maxRequests(1).jitter(0).drainTimeout(drain).build();
        try (TestServer server = h2.start(policy, ExampleHandlers.routes()); Http2Client client = new Http2Client(h2)) {
            String scheme = h2 == Http2Fixture.H2 ? "https" : "http";
            Http2Client.Connection c = client.connect(server.address());
            var hanging = c.get(scheme, server.port(), "/hang");
            assertThat(c.get(scheme, server.port(), "/weather").get(10, TimeUnit.SECONDS).status()).isEqualTo(200);
            c.goAway.get(10, TimeUnit.SECONDS);
            long goAwayAt = System.nanoTime();

            Http2Client.Response r = hanging.get(10, TimeUnit.SECONDS);
            long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - goAwayAt);

            assertThat(r.resetError()).as(r.toString()).isEqualTo(ErrorCode.CANCEL_STREAM_ERROR.code);
            assertThat(tookMillis).isBetween(drain.toMillis() - 100, 5_000L);
            await().atMost(Duration.ofSeconds(10)).until(() -> server.events().size() == 1);
            CloseEvent e = server.events().get(0);
            assertThat(e.protocol()).isEqualTo(Protocol.HTTP2);
            assertThat(e.retireReason()).as(e.toString()).isEqualTo(RetireReason.MAX_REQUESTS);
        }
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(Http2Fixture.class)
    void anIdleConnectionIsRetiredWithAGoAway(Http2Fixture h2) throws Exception {
        ClosePolicy policy = ClosePolicy.builder(Preset.KEEP_ALIVE).idleTimeout(Duration.ofSeconds(1)).build();
        try (TestServer server = h2.start(policy, ExampleHandlers.routes()); Http2Client client = new Http2Client(h2)) {
            String scheme = h2 == Http2Fixture.H2 ? "https" : "http";
            Http2Client.Connection c = client.connect(server.address());
            assertThat(c.get(scheme, server.port(), "/weather").get(10, TimeUnit.SECONDS).status()).isEqualTo(200);
            long servedAt = System.nanoTime();

            GoAwayFrame goAway = c.goAway.get(10, TimeUnit.SECONDS);

            assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - servedAt)).isGreaterThanOrEqualTo(900);
            assertThat(goAway.getError()).isEqualTo(ErrorCode.NO_ERROR.code);
            assertThat(goAway.getLastStreamId()).isEqualTo(1);
            c.closed.get(10, TimeUnit.SECONDS);
            await().atMost(Duration.ofSeconds(10)).until(() -> server.events().size() == 1);
            CloseEvent e = server.events().get(0);
            assertThat(e.protocol()).isEqualTo(Protocol.HTTP2);
            assertThat(e.retireReason()).as(e.toString()).isEqualTo(RetireReason.IDLE_TIMEOUT);
            assertThat(e.requestsServed()).isEqualTo(1);
        }
    }
}
