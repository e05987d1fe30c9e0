package org.closepolicy.netty;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

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
        try (TestServer server = TestServer.aggregating(TestServer.Kind.NIO, ClosePolicy.parse(spec), p -> p.addLast(new Apps.Fixed(Apps.SMALL)));
                Nginx nginx = Nginx.defaultProxy(server.port())) {
            TimeWaitCounter.Since timeWait = TimeWaitCounter.since(server.port()); // before the first connection
            nginx.fetch(n);
            server.events.awaitAtLeast(n, Duration.ofSeconds(30));
            assertThat(timeWait.count().serverSide()).as("backend TIME_WAIT of %d, %s", n, server.closePolicy.stats())
                    .isLessThanOrEqualTo(n / 100);
            assertThat(server.closePolicy.stats().whoClosed(WhoClosed.REMOTE_FIN)).isGreaterThanOrEqualTo(n - n / 100);
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"client-first", "safe-reset", "keep-alive, reuse.max-requests=100"})
    void abCompletesWithoutAFailedRequest(String spec) throws Exception {
        assumeThat(ApacheBench.available()).as("ab installed").isTrue();
        try (TestServer server = TestServer.aggregating(TestServer.Kind.NIO, ClosePolicy.parse(spec), p -> p.addLast(new Apps.Fixed(Apps.SMALL)))) {
            ApacheBench.assertCompletesWithAndWithoutKeepAlive(server.address(), "/");
        }
    }
}
