package org.closepolicy.netty;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

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
import org.junit.jupiter.params.provider.MethodSource;

/**
 * An ack watch that ends {@code GONE} (the 4-tuple is missing from the kernel table although the socket is
 * open) proves nothing about acknowledgement: the fallback after an expired client wait closes with a FIN,
 * never an RST. The watcher here reads an empty table, so every watch ends GONE.
 */
class AckWatchEndingGoneClosesWithFinTest {

    private static final Duration CLIENT_WAIT = Duration.ofMillis(300);

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("org.closepolicy.netty.ClientWaitCases#everyKindWithAClientWait")
    void goneIsNoProofSoTheServerSendsAFin(TestServer.Kind kind, Preset preset) throws Exception {
        assumeThat(kind.available()).isTrue();
        StandardClosePolicy policy = ClosePolicy.builder(preset).clientWait(CLIENT_WAIT).maxRequests(1).build();
        Events events = new Events();
        try (AckWatcher emptyTable = AckWatcher.builder().source(() -> TcpTable.parse("", "")).build()) {
            NettyClosePolicy cp = NettyClosePolicy.builder(policy).listener(events).ackWatcher(emptyTable).build();
            try (TestServer server = TestServer.http(kind, cp, events, p -> p.addLast(new io.netty.handler.codec.http.HttpObjectAggregator(1 << 20), new Apps.Fixed(Apps.SMALL)))) {
                RawHttpClient.Exchange x = RawHttpClient.builder(server.address())
                        .closeStyle(RawHttpClient.CloseStyle.NEVER_CLOSE)
                        .holdTimeout(Duration.ofSeconds(20))
                        .build()
                        .start();
                HttpResult response = x.response().get(10, TimeUnit.SECONDS);
                assertThat(response.ok()).as("%s", response).isTrue();

                CloseEvent e = events.awaitOne(CLIENT_WAIT.plus(policy.defaults().ackWait()).plus(Duration.ofSeconds(5)));
                assertThat(e.fallbackReason()).as("%s", e).isEqualTo(FallbackReason.CLIENT_WAIT_EXPIRED);
                assertThat(e.usedMode()).as("no RST without proof: %s", e).isEqualTo(CloseMode.FIN);
                assertThat(e.whoClosed()).as("%s", e).isEqualTo(WhoClosed.LOCAL_FIN);

                HttpResult whole = x.await(Duration.ofSeconds(10));
                assertThat(whole.ok()).as("%s", whole).isTrue();
                assertThat(whole.resetSeen()).as("the client sees a FIN, not an RST: %s", whole).isFalse();
                assertThat(whole.serverClosed()).as("%s", whole).isTrue();
            }
        }
    }
}
