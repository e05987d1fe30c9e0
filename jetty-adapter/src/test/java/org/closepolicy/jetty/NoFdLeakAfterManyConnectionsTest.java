package org.closepolicy.jetty;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.time.Duration;
import org.closepolicy.ClosePolicies;
import org.closepolicy.testkit.Fds;
import org.closepolicy.testkit.LoadResult;
import org.closepolicy.testkit.LoadRunner;
import org.closepolicy.testkit.RawHttpClient;
import org.closepolicy.testkit.Sha256;
import org.junit.jupiter.api.Test;

/**
 * 20,000 connections through one server, with curl-like, HTTP/1.0 EOF-waiting and half-closing
 * clients: every socket is released (the process's descriptor count comes back), and every
 * connection reported exactly one close event. The policy is safe-reset, which leaves no TIME_WAIT
 * on either side, so the run does not eat the client's ephemeral ports.
 */
class NoFdLeakAfterManyConnectionsTest {

    static final int CURL_LIKE = 16_000;
    static final int EOF_WAITING = 2_000;
    static final int HALF_CLOSE = 2_000;
    static final int WARM_UP = 200;

    @Test
    void descriptorsAreReleased() throws Exception {
        assumeTrue(Fds.supported(), "/proc/self/fd is not readable here");
        try (TestServer server = TestServer.start(ClosePolicies.safeReset(), ExampleHandlers.routes())) {
            RawHttpClient curl = RawHttpClient.builder(server.address()).path("/weather").build();
            String sha = Sha256.hex(ExampleHandlers.WEATHER);
            run(curl, WARM_UP, sha);
            await().atMost(Duration.ofSeconds(20)).until(() -> server.stats().open() == 0);
            int before = Fds.awaitAtMost(Fds.openCount(), Duration.ofMillis(1));

            run(curl, CURL_LIKE, sha);
            run(curl.toBuilder().version(RawHttpClient.Version.HTTP_1_0).closeStyle(RawHttpClient.CloseStyle.EOF_WAITING).build(),
                    EOF_WAITING, sha);
            run(curl.toBuilder().closeStyle(RawHttpClient.CloseStyle.HALF_CLOSE_AFTER_REQUEST).build(), HALF_CLOSE, sha);

            int total = WARM_UP + CURL_LIKE + EOF_WAITING + HALF_CLOSE;
            await().atMost(Duration.ofSeconds(30)).until(() -> server.stats().closed() == total);
            assertThat(server.stats().opened()).isEqualTo(total);
            assertThat(server.events()).hasSize(total);
            int after = Fds.awaitAtMost(before + 8, Duration.ofSeconds(30));
            assertThat(after).as("open descriptors before %d, after %d", before, after).isLessThanOrEqualTo(before + 8);
        }
    }

    private static void run(RawHttpClient client, int n, String sha) {
        LoadResult r = LoadRunner.builder(client).requests(n).concurrency(16).deadline(Duration.ofMinutes(5)).expectSha256(sha).build().run();
        assertThat(r.errors()).as(r.toString()).isZero();
    }
}
