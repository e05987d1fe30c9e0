package org.closepolicy.netty;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.closepolicy.CloseEvent;
import org.closepolicy.ClosePolicies;
import org.closepolicy.RetireReason;
import org.closepolicy.WhoClosed;
import org.closepolicy.testkit.DeterministicBytes;
import org.junit.jupiter.api.Test;

/**
 * {@link CloseControl#retire} on an HTTP/2 connection (called from a stream with its parent channel): a GOAWAY at
 * once, the stream being served still finishes, then the policy's who and how (keep-alive: the client closes).
 */
class Http2ApplicationRetiresWithGoAwayTest {

    @Test
    void applicationRetireSendsGoAwayAndLetsTheStreamFinish() throws Exception {
        AtomicInteger goAways = new AtomicInteger();
        try (TestServer server = H2.h2c(ClosePolicies.keepAlive(), goAways); H2.Client client = new H2.Client(server.address(), true)) {
            H2.Result r = client.get("/retire").get(5, TimeUnit.SECONDS);
            assertThat(r.sha256()).isEqualTo(DeterministicBytes.sha256Hex(Apps.SMALL));
            assertThat(client.goAway.await(5, TimeUnit.SECONDS)).isTrue();
            CloseEvent e = server.events.awaitOne(Duration.ofSeconds(5));
            assertThat(e.retireReason()).as("%s", e).isEqualTo(RetireReason.APPLICATION);
            assertThat(e.whoClosed()).isEqualTo(WhoClosed.REMOTE_FIN);
            assertThat(e.requestsServed()).isEqualTo(1);
            assertThat(goAways.get()).isEqualTo(1);
        }
    }
}
