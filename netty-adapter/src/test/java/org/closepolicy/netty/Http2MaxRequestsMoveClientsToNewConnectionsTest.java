package org.closepolicy.netty;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.closepolicy.CloseEvent;
import org.closepolicy.ClosePolicy;
import org.closepolicy.Closer;
import org.closepolicy.Protocol;
import org.closepolicy.RetireReason;
import org.closepolicy.WhoClosed;
import org.closepolicy.testkit.DeterministicBytes;
import org.closepolicy.testkit.TimeWaitCounter;
import org.junit.jupiter.api.Test;

/**
 * h2 over TLS (ALPN) with the JDK's HttpClient: a connection that served its maximum number of streams sends a
 * graceful GOAWAY; the client closes it first (so the server keeps no TIME_WAIT under client-first) and sends the
 * next requests on a new connection.
 *
 * <p>JDK 17's client fails every stream it has open when any GOAWAY arrives, and a stream it opens while it is
 * handling the GOAWAY is never answered: a sequential client whose next request left before the GOAWAY was read
 * gets {@code IOException: GOAWAY received} or a timeout for it. The client here retries such a request once, as
 * an application on JDK 17 has to; the test bounds those retries by the GOAWAYs sent.
 */
class Http2MaxRequestsMoveClientsToNewConnectionsTest {

    @Test
    void twelveSequentialRequestsUseThreeConnections() throws Exception {
        AtomicInteger goAways = new AtomicInteger();
        ClosePolicy policy = ClosePolicy.parse("keep-alive, reuse.max-requests=5, reuse.jitter=0");
        try (TestServer server = H2.h2(policy, goAways)) {
            TimeWaitCounter.Since timeWait = TimeWaitCounter.since(server.port()); // before the first connection
            Requests r = new Requests(server);
            for (int i = 0; i < 12; i++) {
                r.send();
            }
            List<CloseEvent> events = server.events.awaitAtLeast(2, Duration.ofSeconds(10));
            System.out.println("h2 max-requests: goAways=" + goAways + " retried=" + r.retried + " " + server.closePolicy.stats().toJson());
            assertThat(r.retried).as("retries of requests the JDK 17 client failed on a GOAWAY").isLessThanOrEqualTo(goAways.get());
            assertThat(server.closePolicy.stats().opened()).isGreaterThanOrEqualTo(3);
            assertThat(goAways.get()).isGreaterThanOrEqualTo(2);
            if (TimeWaitCounter.supported()) {
                assertThat(timeWait.count().serverSide()).as("server TIME_WAIT rows %s, events %s", timeWait.rows(), events).isZero();
            }
            for (CloseEvent e : events) {
                assertThat(e.protocol()).isEqualTo(Protocol.HTTP2);
                assertThat(e.retireReason()).as("%s", e).isEqualTo(RetireReason.MAX_REQUESTS);
                assertThat(e.requestsServed()).as("%s", e).isBetween(5L, 6L);
                assertThat(e.plannedCloser()).isEqualTo(Closer.CLIENT_FIRST);
                // The JDK closes with unread bytes at times (its kernel then sends an RST): the client is first either way.
                assertThat(e.whoClosed()).as("the client closes after the GOAWAY: %s", e).isIn(WhoClosed.REMOTE_FIN, WhoClosed.REMOTE_RST);
            }
        }
    }

    /** Sequential GETs of the small body over HTTP/2 from one JDK client. */
    private static final class Requests {
        private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_2)
                .sslContext(SelfSignedTls.get().client()).connectTimeout(Duration.ofSeconds(5)).build();
        private final HttpRequest req;
        private final String expected = DeterministicBytes.sha256Hex(Apps.SMALL);
        int retried;

        Requests(TestServer server) {
            req = HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + server.port() + "/small")).timeout(Duration.ofSeconds(3)).build();
        }

        void send() throws Exception {
            HttpResponse<byte[]> r;
            try {
                r = client.send(req, HttpResponse.BodyHandlers.ofByteArray());
            } catch (IOException e) {
                assertThat(e.getMessage()).matches(".*(GOAWAY received|request timed out).*");
                retried++;
                r = client.send(req, HttpResponse.BodyHandlers.ofByteArray());
            }
            assertThat(r.version()).isEqualTo(HttpClient.Version.HTTP_2);
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(DeterministicBytes.sha256Hex(r.body())).isEqualTo(expected);
        }
    }
}
