package org.closepolicy.jetty;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.closepolicy.CloseEvent;
import org.closepolicy.CloseMode;
import org.closepolicy.ClosePolicy;
import org.closepolicy.FallbackReason;
import org.closepolicy.Preset;
import org.closepolicy.WhoClosed;
import org.closepolicy.testkit.HttpResult;
import org.closepolicy.testkit.RawHttpClient;
import org.closepolicy.testkit.TimeWaitCounter;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A client that reads its response and then never closes: client-first and safe-reset wait for its
 * FIN only {@code clientWait}, then fall back to an RST once every byte is acknowledged. The
 * connector's idle timeout, shorter here than the client wait, must not cut the wait short with a
 * server FIN.
 */
class NeverClosingClientHitsFallbackTest {

    static final Duration CLIENT_WAIT = Duration.ofMillis(800);
    static final Duration ACK_WAIT = Duration.ofSeconds(10);

    @ParameterizedTest(name = "{0}")
    @EnumSource(value = Preset.class, names = {"CLIENT_FIRST", "SAFE_RESET", "KEEP_ALIVE"})
    void fallbackRunsAfterTheClientWait(Preset preset) throws Exception {
        // A generous ack wait: the ack check reads the whole kernel table, which on a busy host holds
        // tens of thousands of TIME_WAIT rows and takes a good part of a second to read.
        ClosePolicy policy = ClosePolicy.builder(preset).clientWait(CLIENT_WAIT).ackWait(ACK_WAIT).maxRequests(1).build();
        try (TestServer server = TestServer.start(policy, ExampleHandlers.routes())) {
            server.connector().setIdleTimeout(200); // shorter than the client wait on purpose
            RawHttpClient.Exchange x = RawHttpClient.builder(server.address()).path("/weather")
                    .closeStyle(RawHttpClient.CloseStyle.NEVER_CLOSE).holdTimeout(Duration.ofSeconds(20)).build().start();
            HttpResult response = x.response().get(10, TimeUnit.SECONDS);
            assertThat(response.ok()).as(response.toString()).isTrue();

            await().atMost(CLIENT_WAIT.plus(ACK_WAIT).plusSeconds(5)).until(() -> server.events().size() == 1);
            CloseEvent e = server.events().get(0);
            assertThat(e.fallbackReason()).as(e.toString()).isEqualTo(FallbackReason.CLIENT_WAIT_EXPIRED);
            assertThat(e.closeDuration()).isGreaterThanOrEqualTo(CLIENT_WAIT);
            if (TimeWaitCounter.supported()) {
                // Acknowledgement provable from the kernel's table: the RST, no TIME_WAIT on the server.
                assertThat(e.whoClosed()).isEqualTo(WhoClosed.LOCAL_RST);
                assertThat(e.usedMode()).isEqualTo(CloseMode.RST);
            }
            HttpResult whole = x.await(Duration.ofSeconds(20));
            assertThat(whole.resetSeen() || whole.serverClosed()).as(whole.toString()).isTrue();
        }
    }
}
