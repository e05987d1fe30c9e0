package org.closepolicy.netty;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.closepolicy.ClosePolicies;
import org.closepolicy.ClosePolicy;
import org.closepolicy.testkit.DeterministicBytes;
import org.closepolicy.testkit.TimeWaitCounter;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The JDK's HttpClient reads the length-delimited response and closes a connection marked
 * {@code Connection: close} itself, so under client-first and safe-reset the server holds no TIME_WAIT.
 */
class JdkHttpClientLeavesNoServerTimeWaitTest {

    @ParameterizedTest
    @ValueSource(strings = {"client-first", "safe-reset"})
    void jdkClientClosesFirst(String spec) throws Exception {
        assumeThat(TimeWaitCounter.supported()).isTrue();
        int n = 500;
        ClosePolicy policy = ClosePolicy.parse(spec);
        HttpClient client = newClient();
        try (TestServer server = TestServer.aggregating(TestServer.Kind.NIO, policy, p -> p.addLast(new Apps.Fixed(Apps.SMALL)))) {
            TimeWaitCounter.Since timeWait = TimeWaitCounter.since(server.port()); // before the first connection
            HttpRequest req = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/weather.xml"))
                    .timeout(Duration.ofSeconds(10)).build();
            String expected = DeterministicBytes.sha256Hex(Apps.SMALL);
            for (int i = 0; i < n; i++) {
                HttpResponse<byte[]> r = client.send(req, HttpResponse.BodyHandlers.ofByteArray());
                assertThat(r.statusCode()).isEqualTo(200);
                assertThat(DeterministicBytes.sha256Hex(r.body())).isEqualTo(expected);
            }
            server.events.awaitAtLeast(n, Duration.ofSeconds(20));
            TimeWaitCounter.Counts c = timeWait.count();
            System.out.println("TIME_WAIT JDK HttpClient " + spec + ": server " + c.serverSide() + " client " + c.clientSide()
                    + " " + server.closePolicy.stats().toJson());
            assertThat(c.serverSide()).isLessThanOrEqualTo(n / 100);
            if (spec.equals("safe-reset")) {
                assertThat(c.clientSide()).isLessThanOrEqualTo(n / 100);
            }
        }
    }

    private static HttpClient newClient() {
        return HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
    }
}
