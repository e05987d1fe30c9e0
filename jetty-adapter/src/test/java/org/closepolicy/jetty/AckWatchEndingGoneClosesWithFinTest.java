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
import org.closepolicy.StandardClosePolicy;
import org.closepolicy.WhoClosed;
import org.closepolicy.kernel.AckWatcher;
import org.closepolicy.kernel.TcpTable;
import org.closepolicy.testkit.HttpResult;
import org.closepolicy.testkit.RawHttpClient;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * An ack watch that ends {@code GONE} (the 4-tuple is missing from the kernel table although the socket is
 * open) proves nothing about acknowledgement: the fallback after an expired client wait closes with a FIN,
 * never an RST. The watcher here reads an empty table, so every watch ends GONE.
 */
class AckWatchEndingGoneClosesWithFinTest {

    private static final Duration CLIENT_WAIT = Duration.ofMillis(300);

    @ParameterizedTest(name = "{0}")
    @EnumSource(value = Preset.class, names = {"CLIENT_FIRST", "SAFE_RESET"})
    void goneIsNoProofSoTheServerSendsAFin(Preset preset) throws Exception {
        StandardClosePolicy policy = ClosePolicy.builder(preset).clientWait(CLIENT_WAIT).maxRequests(1).build();
        try (AckWatcher emptyTable = AckWatcher.builder().source(() -> TcpTable.parse("", "")).build();
             TestServer server = TestServer.start(policy, ExampleHandlers.routes(), b -> b.ackWatcher(emptyTable))) {
            RawHttpClient.Exchange x = RawHttpClient.builder(server.address()).path("/weather")
                    .closeStyle(RawHttpClient.CloseStyle.NEVER_CLOSE).holdTimeout(Duration.ofSeconds(20)).build().start();
            HttpResult response = x.response().get(10, TimeUnit.SECONDS);
            assertThat(response.ok()).as(response.toString()).isTrue();

            await().atMost(CLIENT_WAIT.plus(policy.defaults().ackWait()).plusSeconds(5)).until(() -> server.events().size() == 1);
            CloseEvent e = server.events().get(0);
            assertThat(e.fallbackReason()).as(e.toString()).isEqualTo(FallbackReason.CLIENT_WAIT_EXPIRED);
            assertThat(e.usedMode()).as("no RST without proof: %s", e).isEqualTo(CloseMode.FIN);
            assertThat(e.whoClosed()).as(e.toString()).isEqualTo(WhoClosed.LOCAL_FIN);

            HttpResult whole = x.await(Duration.ofSeconds(10));
            assertThat(whole.ok()).as(whole.toString()).isTrue();
            assertThat(whole.resetSeen()).as("the client sees a FIN, not an RST: %s", whole).isFalse();
            assertThat(whole.serverClosed()).as(whole.toString()).isTrue();
        }
    }
}
