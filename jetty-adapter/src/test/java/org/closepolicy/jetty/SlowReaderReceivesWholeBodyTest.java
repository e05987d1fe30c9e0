package org.closepolicy.jetty;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.closepolicy.CloseEvent;
import org.closepolicy.CloseMode;
import org.closepolicy.ClosePolicies;
import org.closepolicy.ClosePolicy;
import org.closepolicy.FallbackReason;
import org.closepolicy.Preset;
import org.closepolicy.testkit.DeterministicBytes;
import org.closepolicy.testkit.HttpResult;
import org.closepolicy.testkit.RawHttpClient;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A slow reader (16 KiB receive buffer, 8 KiB reads, a pause after each) gets every byte of a large
 * body, checked by SHA-256, whatever the preset, also when it never closes and the server has to
 * fall back to its own close while bytes are still queued.
 */
class SlowReaderReceivesWholeBodyTest {

    static Stream<Arguments> presetsAndSizes() {
        return Stream.of(Preset.values()).flatMap(p -> Stream.of(Arguments.of(p, 1_000_000L), Arguments.of(p, 10_000_000L)));
    }

    static RawHttpClient.Builder slowReader(TestServer server, long size) {
        return RawHttpClient.builder(server.address()).path("/bytes?n=" + size)
                .receiveBufferSize(16 * 1024).readChunk(8 * 1024).readDelay(Duration.ofMillis(1))
                .soTimeout(Duration.ofSeconds(10)).deadline(Duration.ofSeconds(60));
    }

    @ParameterizedTest(name = "{0}, {1} bytes")
    @MethodSource("presetsAndSizes")
    void curlLikeSlowReaderGetsTheWholeBody(Preset preset, long size) throws Exception {
        try (TestServer server = TestServer.start(ClosePolicies.of(preset), ExampleHandlers.routes())) {
            HttpResult r = slowReader(server, size).build().send();

            assertThat(r.status()).as(r.toString()).isEqualTo(200);
            assertThat(r.complete()).as(r.toString()).isTrue();
            assertThat(r.bodyLength()).isEqualTo(size);
            assertThat(r.bodySha256()).isEqualTo(DeterministicBytes.sha256Hex(size));
        }
    }

    static Stream<Arguments> clientFirstPresetsAndSizes() {
        return Stream.of(Preset.CLIENT_FIRST, Preset.SAFE_RESET)
                .flatMap(p -> Stream.of(Arguments.of(p, 1_000_000L), Arguments.of(p, 10_000_000L)));
    }

    @ParameterizedTest(name = "{0}, {1} bytes")
    @MethodSource("clientFirstPresetsAndSizes")
    void slowReaderThatNeverClosesStillGetsTheWholeBody(Preset preset, long size) throws Exception {
        // The client wait runs out while the body is still queued: the fallback RST must wait for the
        // acknowledgement of every byte, or give way to a FIN.
        ClosePolicy policy = ClosePolicy.builder(preset).clientWait(Duration.ofMillis(100)).ackWait(Duration.ofMillis(300)).build();
        try (TestServer server = TestServer.start(policy, ExampleHandlers.routes())) {
            RawHttpClient.Exchange x = slowReader(server, size).closeStyle(RawHttpClient.CloseStyle.NEVER_CLOSE)
                    .holdTimeout(Duration.ofSeconds(20)).build().start();
            HttpResult r = x.response().get(60, TimeUnit.SECONDS);

            assertThat(r.complete()).as(r.toString()).isTrue();
            assertThat(r.bodyLength()).isEqualTo(size);
            assertThat(r.bodySha256()).isEqualTo(DeterministicBytes.sha256Hex(size));
            HttpResult whole = x.await(Duration.ofSeconds(30));
            assertThat(whole.serverClosed() || whole.resetSeen()).as("the server ended the hold: " + whole).isTrue();
            await().atMost(Duration.ofSeconds(10)).until(() -> server.events().size() == 1);
            CloseEvent e = server.events().get(0);
            System.out.println(preset + " " + size + ": " + e);
            // The client wait ran out; then either every byte was acknowledged and the RST went out, or the
            // ack wait ran out and a FIN did. The event keeps the first reason.
            assertThat(e.fallbackReason()).isEqualTo(FallbackReason.CLIENT_WAIT_EXPIRED);
            assertThat(e.usedMode()).isIn(CloseMode.RST, CloseMode.FIN);
        }
    }
}
