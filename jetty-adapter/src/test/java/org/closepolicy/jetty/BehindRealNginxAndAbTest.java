package org.closepolicy.jetty;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import org.closepolicy.ClosePolicy;
import org.closepolicy.WhoClosed;
import org.closepolicy.testkit.ApacheBench;
import org.closepolicy.testkit.Nginx;
import org.closepolicy.testkit.TimeWaitCounter;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The real programs, where installed (skipped otherwise): behind nginx with its default proxy settings (HTTP/1.0 to
 * the backend, a new connection per request) client-first leaves the backend almost no TIME_WAIT; ApacheBench, which
 * reads every response to EOF, completes without a failed request, with and without keep-alive.
 */
class BehindRealNginxAndAbTest {

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"client-first", "safe-reset"})
    void behindNginxsDefaultProxyTheBackendKeepsNoTimeWait(String spec) throws Exception {
        assumeThat(Nginx.available()).as("nginx installed").isTrue();
        assumeThat(TimeWaitCounter.supported()).as("kernel TCP table readable").isTrue();
        int n = 1_000;
        try (TestServer server = TestServer.start(ClosePolicy.parse(spec), ExampleHandlers.routes());
                Nginx nginx = Nginx.defaultProxy(server.port())) {
            TimeWaitCounter.Since timeWait = TimeWaitCounter.since(server.port()); // before the first connection
            nginx.fetch(n);
            await().atMost(Duration.ofSeconds(30)).until(() -> server.events().size() >= n);
            assertThat(timeWait.count().serverSide()).as("backend TIME_WAIT of %d, %s", n, server.stats())
                    .isLessThanOrEqualTo(n / 100);
            assertThat(server.stats().whoClosed(WhoClosed.REMOTE_FIN)).isGreaterThanOrEqualTo(n - n / 100);
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"client-first", "safe-reset", "keep-alive, reuse.max-requests=100"})
    void abCompletesWithoutAFailedRequest(String spec) throws Exception {
        assumeThat(ApacheBench.available()).as("ab installed").isTrue();
        try (TestServer server = TestServer.start(ClosePolicy.parse(spec), ExampleHandlers.routes())) {
            ApacheBench.assertCompletesWithAndWithoutKeepAlive(server.address(), "/weather");
        }
    }
}
