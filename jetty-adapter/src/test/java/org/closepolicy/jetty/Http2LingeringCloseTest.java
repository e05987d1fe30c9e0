package org.closepolicy.jetty;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.closepolicy.CloseMode;
import org.closepolicy.ClosePolicy;
import org.closepolicy.Closer;
import org.closepolicy.Protocol;
import org.closepolicy.RetireReason;
import org.closepolicy.WhoClosed;
import org.closepolicy.testkit.Sha256;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The lingering close under HTTP/2 (h2 over TLS and h2c): a connection retired by max-requests sends
 * its {@code GOAWAY}, lets its stream end, then half-closes ({@code close_notify} first over TLS) and
 * reads until the client closes, bounded by the linger limits. Every response arrives whole, no
 * connection ends with an RST, and each close stays far inside {@code close.linger-time}.
 */
class Http2LingeringCloseTest {

    static final int N = 40;

    @ParameterizedTest(name = "{0}")
    @EnumSource(Http2Fixture.class)
    void retiredConnectionsLingerAndEndWithoutReset(Http2Fixture h2) throws Exception {
        ClosePolicy policy = ClosePolicy.parse("lingering, reuse.max-requests=1, close.linger-time=20s");
        try (TestServer server = h2.start(policy, ExampleHandlers.routes()); Http2Client client = new Http2Client(h2)) {
            String scheme = h2 == Http2Fixture.H2 ? "https" : "http";
            for (int i = 0; i < N; i++) {
                Http2Client.Connection c = client.connect(server.address());
                assertThat(c.get(scheme, server.port(), "/weather").get(10, TimeUnit.SECONDS).sha256())
                        .isEqualTo(Sha256.hex(ExampleHandlers.WEATHER));
                c.closed.get(10, TimeUnit.SECONDS); // the GOAWAY came and the connection ended
            }
            await().atMost(Duration.ofSeconds(15)).until(() -> server.events().size() == N);
            System.out.println("h2 lingering " + h2 + ": " + server.stats().toJson());

            // The server's FIN after the drain normally comes first; a client that closes on the GOAWAY may beat it.
            assertThat(server.stats().usedMode(CloseMode.LINGER)).isGreaterThanOrEqualTo(N * 9 / 10);
            assertThat(server.events()).allSatisfy(e -> {
                assertThat(e.protocol()).as(e.toString()).isEqualTo(Protocol.HTTP2);
                assertThat(e.retireReason()).as(e.toString()).isEqualTo(RetireReason.MAX_REQUESTS);
                assertThat(e.requestsServed()).as(e.toString()).isEqualTo(1);
                assertThat(e.plannedCloser()).as(e.toString()).isEqualTo(Closer.SERVER_FIRST);
                assertThat(e.plannedMode()).as(e.toString()).isEqualTo(CloseMode.LINGER);
                assertThat(e.usedMode()).as(e.toString()).isNotEqualTo(CloseMode.RST);
                assertThat(e.whoClosed()).as(e.toString()).isIn(WhoClosed.LOCAL_FIN, WhoClosed.REMOTE_FIN);
                assertThat(e.closeDuration()).as(e.toString()).isLessThan(Duration.ofSeconds(10));
            });
        }
    }
}
