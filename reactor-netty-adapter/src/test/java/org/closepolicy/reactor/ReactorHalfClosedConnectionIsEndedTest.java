package org.closepolicy.reactor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import org.closepolicy.ClosePolicies;
import org.closepolicy.WhoClosed;
import org.closepolicy.testkit.DeterministicBytes;
import org.closepolicy.testkit.HttpResult;
import org.closepolicy.testkit.RawHttpClient;
import org.junit.jupiter.api.Test;

/** Reactor does not handle a client's input shutdown; the policy answers and ends the half-closed connection. */
class ReactorHalfClosedConnectionIsEndedTest {

    @Test
    void aClientThatShutsDownItsOutputGetsItsResponseAndTheConnectionEnds() {
        try (ReactorServer server = new ReactorServer(ClosePolicies.keepAlive(), s -> s)) {
            HttpResult r = RawHttpClient.builder(server.address())
                    .closeStyle(RawHttpClient.CloseStyle.HALF_CLOSE_AFTER_REQUEST)
                    .soTimeout(Duration.ofSeconds(30)) // a cold server's first response on a busy machine took over 10 s
                    .deadline(Duration.ofSeconds(60))
                    .build()
                    .send();
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.bodySha256()).isEqualTo(DeterministicBytes.sha256Hex(ReactorServer.SMALL));
            await().atMost(Duration.ofSeconds(10)).until(() -> server.closePolicy.stats().closed() == 1);
            assertThat(server.closePolicy.stats().open()).isZero();
            assertThat(server.closePolicy.stats().whoClosed(WhoClosed.REMOTE_FIN)).isEqualTo(1);
        }
    }
}
