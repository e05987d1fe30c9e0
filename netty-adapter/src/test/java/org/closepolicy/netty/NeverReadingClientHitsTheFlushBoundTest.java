package org.closepolicy.netty;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.stream.Stream;
import org.closepolicy.CloseEvent;
import org.closepolicy.ClosePolicy;
import org.closepolicy.CloseMode;
import org.closepolicy.FallbackReason;
import org.closepolicy.Preset;
import org.closepolicy.WhoClosed;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A client that asks for a large response and never reads it: the retiring response cannot be flushed, and the
 * bound on flushing it ({@code close.flush-timeout}) ends the connection with a FIN. The bound is armed when the
 * flush call of the response returns with output still pending (a response that flushes at once arms none).
 */
class NeverReadingClientHitsTheFlushBoundTest {

    static Stream<Arguments> runs() {
        Stream.Builder<Arguments> b = Stream.builder();
        for (TestServer.Kind kind : TestServer.Kind.values()) {
            for (Preset preset : new Preset[] {Preset.SERVER_FIN, Preset.CLIENT_FIRST, Preset.SAFE_RESET}) {
                b.add(Arguments.of(kind, preset));
            }
        }
        return b.build();
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("runs")
    void theFlushBoundClosesWithAFin(TestServer.Kind kind, Preset preset) throws Exception {
        assumeThat(kind.available()).isTrue();
        ClosePolicy policy = ClosePolicy.builder(preset).flushTimeout(Duration.ofMillis(500)).build();
        try (TestServer server = TestServer.aggregating(kind, policy, p -> p.addLast(new Apps.Fixed(32_000_000)));
                Socket client = new Socket()) {
            client.setReceiveBufferSize(16 * 1024);
            client.connect(server.address());
            OutputStream out = client.getOutputStream();
            out.write("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            // Never read: the server's send buffer and this receive buffer hold far less than the response.
            CloseEvent e = server.events.awaitOne(Duration.ofSeconds(20));
            assertThat(e.fallbackReason()).as("%s", e).isEqualTo(FallbackReason.FLUSH_TIMEOUT);
            assertThat(e.whoClosed()).as("%s", e).isEqualTo(WhoClosed.LOCAL_FIN);
            assertThat(e.usedMode()).as("%s", e).isEqualTo(CloseMode.FIN);
        }
    }
}
