package org.closepolicy.jetty;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import org.closepolicy.CloseEvent;
import org.closepolicy.CloseMode;
import org.closepolicy.ClosePolicy;
import org.closepolicy.FallbackReason;
import org.closepolicy.Preset;
import org.closepolicy.RetireReason;
import org.closepolicy.WhoClosed;
import org.closepolicy.testkit.DeterministicBytes;
import org.closepolicy.testkit.HttpResult;
import org.closepolicy.testkit.LoadResult;
import org.closepolicy.testkit.LoadRunner;
import org.closepolicy.testkit.RawHttpClient;
import org.closepolicy.testkit.Sha256;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Rule 2: a client that can only see the end of the response at EOF (HTTP/1.0 without keep-alive,
 * as ApacheBench sends, or a response without a length) waits for the server's FIN. Waiting for its
 * FIN instead would stall it for the whole client wait, so every preset closes such a connection at
 * once with a FIN (after one short probe of an HTTP/1.0 address whose habit is not known yet). The client wait is long here (10 s) so that a stall could not go unnoticed: it
 * would show as an exchange or a close taking the whole client wait.
 */
class EofWaitingClientIsClosedPromptlyTest {

    static final Duration CLIENT_WAIT = Duration.ofSeconds(10);
    static final int N = 100;

    static ClosePolicy policy(Preset preset) {
        return ClosePolicy.builder(preset).clientWait(CLIENT_WAIT).build();
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(Preset.class)
    void http10WithoutKeepAliveGetsAPromptServerFin(Preset preset) throws Exception {
        try (TestServer server = TestServer.start(policy(preset), ExampleHandlers.routes())) {
            RawHttpClient ab = RawHttpClient.builder(server.address()).path("/weather").version(RawHttpClient.Version.HTTP_1_0)
                    .closeStyle(RawHttpClient.CloseStyle.EOF_WAITING).deadline(Duration.ofSeconds(30)).build();
            LoadResult load = LoadRunner.builder(ab).requests(N).concurrency(4).expectSha256(Sha256.hex(ExampleHandlers.WEATHER))
                    .verify(r -> r.serverClosed() && !r.resetSeen() && r.elapsedNanos() < CLIENT_WAIT.toNanos()).build().run();

            assertThat(load.errors()).as(load.toString()).isZero();
            await().atMost(Duration.ofSeconds(10)).until(() -> server.events().size() == N);
            // Under client-first the first connections from the address (at most one per concurrent client) are probed
            // for a FIN that does not come (close.eof-probe) and end with a FIN; the address is then known to read to EOF.
            long probed = 0;
            for (CloseEvent e : server.events()) {
                assertThat(e.whoClosed()).as(e.toString()).isEqualTo(WhoClosed.LOCAL_FIN);
                assertThat(e.usedMode()).as(e.toString()).isNotEqualTo(CloseMode.RST);
                assertThat(e.closeDuration()).isLessThan(CLIENT_WAIT);
                if (e.fallbackReason() == FallbackReason.CLIENT_WAIT_EXPIRED) {
                    probed++;
                } else {
                    assertThat(e.fallbackReason()).as(e.toString()).isEqualTo(FallbackReason.NONE);
                    if (preset != Preset.SERVER_FIN && preset != Preset.LINGERING) {
                        assertThat(e.retireReason()).as(e.toString()).isEqualTo(RetireReason.EOF_DELIMITED);
                    }
                }
            }
            assertThat(probed).as("one probe per concurrent client at most").isLessThanOrEqualTo(4);
        }
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(value = Preset.class, names = {"CLIENT_FIRST", "SAFE_RESET", "KEEP_ALIVE"})
    void http10KeepAliveResponseWithoutLengthGetsAPromptServerFin(Preset preset) throws Exception {
        // HTTP/1.0 cannot chunk: a response whose length is unknown at commit ends at EOF.
        try (TestServer server = TestServer.start(policy(preset), ExampleHandlers.routes())) {
            HttpResult r = RawHttpClient.builder(server.address()).path("/stream?n=100000").version(RawHttpClient.Version.HTTP_1_0)
                    .keepAlive(true).closeStyle(RawHttpClient.CloseStyle.EOF_WAITING).deadline(Duration.ofSeconds(30)).build().send();

            assertThat(r.complete()).as(r.toString()).isTrue();
            assertThat(r.framing()).isEqualTo(HttpResult.Framing.EOF);
            assertThat(r.elapsedNanos()).isLessThan(CLIENT_WAIT.toNanos());
            assertThat(r.bodySha256()).isEqualTo(DeterministicBytes.sha256Hex(100_000));
            await().atMost(Duration.ofSeconds(5)).until(() -> server.events().size() == 1);
            CloseEvent e = server.events().get(0);
            assertThat(e.whoClosed()).as(e.toString()).isEqualTo(WhoClosed.LOCAL_FIN);
            assertThat(e.retireReason()).isEqualTo(RetireReason.EOF_DELIMITED);
            assertThat(e.closeDuration()).isLessThan(CLIENT_WAIT);
        }
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(value = Preset.class, names = {"CLIENT_FIRST", "SAFE_RESET"})
    void http11ResponseWithoutLengthIsChunkedSoTheClientStillClosesFirst(Preset preset) throws Exception {
        // Jetty would end a non-persistent HTTP/1.1 response of unknown length at EOF; the adapter has
        // it chunked, so the client sees the end by itself and closes first.
        try (TestServer server = TestServer.start(policy(preset), ExampleHandlers.routes())) {
            HttpResult r = RawHttpClient.builder(server.address()).path("/stream?n=100000").deadline(Duration.ofSeconds(30)).build().send();

            assertThat(r.framing()).isEqualTo(HttpResult.Framing.CHUNKED);
            assertThat(r.headers().hasToken("Connection", "close")).isTrue();
            assertThat(r.complete()).as(r.toString()).isTrue();
            assertThat(r.bodySha256()).isEqualTo(DeterministicBytes.sha256Hex(100_000));
            await().atMost(Duration.ofSeconds(5)).until(() -> server.events().size() == 1);
            assertThat(server.events().get(0).whoClosed()).isEqualTo(WhoClosed.REMOTE_FIN);
        }
    }
}
