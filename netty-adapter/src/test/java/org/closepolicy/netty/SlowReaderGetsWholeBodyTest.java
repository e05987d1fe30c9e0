package org.closepolicy.netty;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import java.time.Duration;
import java.util.stream.Stream;
import org.closepolicy.CloseEvent;
import org.closepolicy.ClosePolicy;
import org.closepolicy.Preset;
import org.closepolicy.testkit.DeterministicBytes;
import org.closepolicy.testkit.HttpResult;
import org.closepolicy.testkit.RawHttpClient;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Large responses to a slow reader arrive whole (SHA-256 checked) under the presets that may end with
 * an RST: the reset never runs before every byte is acknowledged, also when the client wait runs out
 * while the reader is still busy (the short-wait runs force that fallback).
 */
class SlowReaderGetsWholeBodyTest {

    static Stream<Arguments> runs() {
        Stream.Builder<Arguments> b = Stream.builder();
        for (TestServer.Kind kind : TestServer.Kind.values()) {
            for (Preset preset : new Preset[] {Preset.SAFE_RESET, Preset.CLIENT_FIRST}) {
                for (int size : new int[] {1_000_000, 10_000_000}) {
                    if (kind == TestServer.Kind.EPOLL && size > 1_000_000) {
                        continue;
                    }
                    b.add(Arguments.of(kind, preset, size, false));
                    b.add(Arguments.of(kind, preset, size, true));
                }
            }
        }
        return b.build();
    }

    @ParameterizedTest(name = "{0} {1} {2} bytes, short client wait: {3}")
    @MethodSource("runs")
    void slowReaderReceivesEveryByte(TestServer.Kind kind, Preset preset, int size, boolean shortWait) throws Exception {
        assumeThat(kind.available()).isTrue();
        ClosePolicy policy = shortWait
                ? ClosePolicy.builder(preset).clientWait(Duration.ofMillis(100)).build()
                : ClosePolicy.builder(preset).build();
        try (TestServer server = TestServer.aggregating(kind, policy, p -> p.addLast(new Apps.Fixed(size)))) {
            RawHttpClient slow = RawHttpClient.builder(server.address())
                    .receiveBufferSize(32 * 1024)
                    .readChunk(16 * 1024)
                    .readDelay(Duration.ofMillis(1))
                    .deadline(Duration.ofSeconds(60))
                    .build();
            HttpResult r = slow.send();
            assertThat(r.status()).as("%s", r).isEqualTo(200);
            assertThat(r.complete()).as("%s", r).isTrue();
            assertThat(r.bodyLength()).isEqualTo(size);
            assertThat(r.bodySha256()).isEqualTo(DeterministicBytes.sha256Hex(size));
            CloseEvent e = server.events.awaitOne(Duration.ofSeconds(30));
            System.out.println("slow reader " + kind + " " + preset + " " + size + " shortWait=" + shortWait + ": " + e);
        }
    }
}
