package org.closepolicy.jetty;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import org.closepolicy.CloseEvent;
import org.closepolicy.ClosePolicy;
import org.closepolicy.PeerHabit;
import org.closepolicy.WhoClosed;
import org.closepolicy.spi.PeerMemory;
import org.closepolicy.testkit.Http10Peers;
import org.closepolicy.testkit.HttpResult;
import org.closepolicy.testkit.RawHttpClient;
import org.closepolicy.testkit.TimeWaitCounter;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * HTTP/1.0 peers over real sockets. nginx's default proxy sends HTTP/1.0 without keep-alive and closes as soon as
 * it has read a length-delimited response; ApacheBench sends the same request and reads to EOF. The server probes
 * an unknown address once, remembers what the peer did, and from then on waits for a closer (no server TIME_WAIT)
 * and sends a waiter a prompt FIN. Never an RST to a peer that reads to EOF.
 */
class Http10PeersAreLearnedPerAddressTest {

    private static final int CONNECTIONS = 300;

    private static TestServer server(String spec) throws Exception {
        return TestServer.start(ClosePolicy.parse(spec), ExampleHandlers.routes());
    }

    private static void awaitEvents(TestServer server, int n) {
        await().atMost(Duration.ofSeconds(30)).until(() -> server.events().size() >= n);
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"client-first", "safe-reset"})
    void aProxyThatClosesAfterTheLengthLeavesNoServerTimeWait(String spec) throws Exception {
        assumeThat(TimeWaitCounter.supported()).as("kernel TCP table readable").isTrue();
        try (TestServer server = server(spec)) {
            TimeWaitCounter.Since timeWait = TimeWaitCounter.since(server.port()); // before the first connection
            RawHttpClient proxy = RawHttpClient.builder(server.address()).path("/weather").version(RawHttpClient.Version.HTTP_1_0)
                    .closeStyle(RawHttpClient.CloseStyle.CURL_LIKE).build();
            for (int i = 0; i < CONNECTIONS; i++) {
                HttpResult r = proxy.send();
                assertThat(r.ok()).as("%s", r).isTrue();
                assertThat(r.framing()).isEqualTo(HttpResult.Framing.CONTENT_LENGTH);
                assertThat(r.resetSeen()).isFalse();
            }
            awaitEvents(server, CONNECTIONS);
            assertThat(server.events()).allSatisfy(e -> assertThat(e.whoClosed()).as("%s", e).isEqualTo(WhoClosed.REMOTE_FIN));
            assertThat(timeWait.count().serverSide()).as("server TIME_WAIT").isZero();
            PeerMemory peers = server.stats().peers();
            // The client opens its next connection as it closes the last: a request may overtake the FIN that ends
            // the probe, so a second probe can happen.
            assertThat(peers.probesClosedFirst()).as("probes for the one address").isBetween(1L, 2L);
            assertThat(peers.probesWaitedForEof()).isZero();
            assertThat(peers.habit(server.address().getAddress())).isEqualTo(PeerHabit.CLOSES_FIRST);
            assertThat(server.stats().toJson()).contains("\"peers\":{\"known\":1,\"closers\":1");
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"client-first", "safe-reset", "keep-alive", "server-fin"})
    void anEofWaitingClientGetsEveryResponseAndAtMostOneProbe(String spec) throws Exception {
        try (TestServer server = server(spec)) {
            RawHttpClient ab = RawHttpClient.builder(server.address()).path("/weather").version(RawHttpClient.Version.HTTP_1_0)
                    .closeStyle(RawHttpClient.CloseStyle.EOF_WAITING).build();
            Http10Peers.fetchUntilServerFin(ab, 50);
            awaitEvents(server, 50);
            List<CloseEvent> events = server.events();
            Http10Peers.assertServerClosedWithAtMostOneProbe(events);
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"keep-alive, reuse.max-requests=5", "client-first", "safe-reset"})
    void anHttp10KeepAliveClientRetiredByMaxRequestsCompletesWithoutReset(String spec) throws Exception {
        try (TestServer server = server(spec)) {
            RawHttpClient abK = RawHttpClient.builder(server.address()).version(RawHttpClient.Version.HTTP_1_0).keepAlive(true)
                    .closeStyle(RawHttpClient.CloseStyle.EOF_WAITING).build();
            int perConnection = spec.startsWith("keep-alive") ? 5 : 1;
            Http10Peers.fetchKeepAliveUntilRetired(abK, 10, perConnection, "/weather");
            awaitEvents(server, 10);
            Http10Peers.assertRetiredWithoutResetAfterOneProbe(server.events(), perConnection);
        }
    }
}
