package org.closepolicy.netty;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.stream.Stream;
import org.closepolicy.CloseEvent;
import org.closepolicy.ClosePolicy;
import org.closepolicy.Preset;
import org.closepolicy.testkit.DeterministicBytes;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A 1 MB response over TLS to a slow reader arrives whole (SHA-256) under the presets that may reset: the ack
 * check reads the kernel's send queue, which holds TLS records, so an RST never runs before the last record is
 * acknowledged; the short client wait forces that ack-checked fallback while the reader is still busy.
 */
class TlsSlowReaderGetsWholeBodyTest {

    static Stream<Arguments> runs() {
        return Stream.of(
                Arguments.of(Preset.SAFE_RESET, false), Arguments.of(Preset.SAFE_RESET, true),
                Arguments.of(Preset.CLIENT_FIRST, false), Arguments.of(Preset.CLIENT_FIRST, true));
    }

    @ParameterizedTest(name = "{0}, short client wait: {1}")
    @MethodSource("runs")
    void slowTlsReaderReceivesEveryByte(Preset preset, boolean shortWait) throws Exception {
        int size = 1_000_000;
        ClosePolicy policy = shortWait
                ? ClosePolicy.builder(preset).clientWait(Duration.ofMillis(50)).build()
                : ClosePolicy.builder(preset).build();
        try (TestServer server = TestServer.tls(TestServer.Kind.NIO, policy, p -> p.addLast(new Apps.Fixed(size)))) {
            TlsHttpClient slow = TlsHttpClient.curlLike(SelfSignedTls.get().client(), server.address())
                    .slow(32 * 1024, Duration.ofMillis(1));
            TlsHttpClient.Result r = slow.send("/big");
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.bodyLength()).isEqualTo(size);
            assertThat(r.bodySha256()).isEqualTo(DeterministicBytes.sha256Hex(size));
            CloseEvent e = server.events.awaitOne(Duration.ofSeconds(10));
            System.out.println("TLS slow reader " + preset + " shortWait=" + shortWait + ": " + e);
            // Protocol bytes in plaintext: the body and one response head, no TLS record overhead.
            assertThat(e.bytesOut()).isBetween((long) size + 20, (long) size + 512);
        }
    }
}
