package org.closepolicy.jetty;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import org.closepolicy.CloseEvent;
import org.closepolicy.ClosePolicy;
import org.closepolicy.Preset;
import org.closepolicy.Protocol;
import org.closepolicy.RetireReason;
import org.closepolicy.WhoClosed;
import org.closepolicy.testkit.Sha256;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * On HTTP/2 each stream is a request of its connection: after {@code reuse.max-requests} streams the
 * connection is retired with a {@code GOAWAY}, and the JDK {@code HttpClient} sends the next requests
 * over a new connection, which it opens by itself.
 */
class Http2MaxRequestsMovesClientsToNewConnectionsTest {

    @ParameterizedTest(name = "{0}")
    @EnumSource(Http2Fixture.class)
    void twelveRequestsUseAtLeastThreeConnections(Http2Fixture h2) throws Exception {
        ClosePolicy policy = ClosePolicy.builder(Preset.KEEP_ALIVE).maxRequests(5).jitter(0).build();
        try (TestServer server = h2.start(policy, ExampleHandlers.routes())) {
            HttpClient client = h2.jdkClient();
            Set<Integer> clientPorts = new HashSet<>();
            int retries = 0;
            for (int i = 0; i < 12; i++) {
                HttpRequest request = HttpRequest.newBuilder(h2.uri(server, "/weather")).timeout(Duration.ofSeconds(10)).build();
                HttpResponse<byte[]> r;
                try {
                    r = client.send(request, HttpResponse.BodyHandlers.ofByteArray());
                } catch (IOException e) {
                    // HttpClient before Java 24 fails the stream in flight on any GOAWAY, even one below the last
                    // stream id, and a request it starts while the GOAWAY arrives may never complete; later
                    // versions keep such streams, or retry them when they were not processed (RFC 9113 6.8).
                    if (Runtime.version().feature() >= 24) {
                        throw e;
                    }
                    retries++;
                    r = client.send(request, HttpResponse.BodyHandlers.ofByteArray());
                }

                assertThat(r.statusCode()).isEqualTo(200);
                assertThat(r.version()).isEqualTo(HttpClient.Version.HTTP_2);
                assertThat(Sha256.hex(r.body())).isEqualTo(Sha256.hex(ExampleHandlers.WEATHER));
            }
            // Two connections served five streams each and were retired; the last two requests went to a third.
            await().atMost(Duration.ofSeconds(10)).until(() -> server.events().size() >= 2);
            assertThat(retries).as("at most the stream in flight at each retirement").isLessThanOrEqualTo(server.events().size());
            for (CloseEvent e : server.events()) {
                clientPorts.add(e.remoteAddress().getPort());
                assertThat(e.protocol()).as(e.toString()).isEqualTo(Protocol.HTTP2);
                assertThat(e.requestsServed()).as(e.toString()).isEqualTo(5);
                assertThat(e.retireReason()).as(e.toString()).isEqualTo(RetireReason.MAX_REQUESTS);
                // Keep-alive settings are client-first: the client closes after the GOAWAY.
                assertThat(e.whoClosed()).as(e.toString()).isEqualTo(WhoClosed.REMOTE_FIN);
            }
            assertThat(clientPorts).hasSize(server.events().size());
            // Each retired connection was reused four times; the requests after them went to a further one.
            assertThat(server.stats().reused()).isGreaterThanOrEqualTo(4L * server.events().size() + 1);
        }
    }
}
