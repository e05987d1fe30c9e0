package org.closepolicy.netty;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.closepolicy.CloseEvent;
import org.closepolicy.CloseMode;
import org.closepolicy.FallbackReason;
import org.closepolicy.ClosePolicies;
import org.closepolicy.Preset;
import org.closepolicy.RetireReason;
import org.closepolicy.WhoClosed;
import org.closepolicy.testkit.HttpResult;
import org.closepolicy.testkit.RawHttpClient;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A client that can only see the end of the response at EOF (HTTP/1.0 without keep-alive, like
 * ApacheBench; or any response without a length) gets a prompt server FIN under the client-first
 * presets too (after one short probe of its address for an HTTP/1.0 response with a length): waiting
 * for it would stall it for the whole client wait, and an RST would fail it.
 */
class EofWaitingClientGetsPromptFinTest {

    private static final Duration CLIENT_WAIT = Duration.ofSeconds(2);

    static Stream<Arguments> runs() {
        Stream.Builder<Arguments> b = Stream.builder();
        for (TestServer.Kind kind : TestServer.Kind.values()) {
            for (Preset p : new Preset[] {Preset.CLIENT_FIRST, Preset.SAFE_RESET, Preset.KEEP_ALIVE}) {
                b.add(Arguments.of(kind, p));
            }
        }
        return b.build();
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("runs")
    void http10WithoutKeepAliveIsClosedByTheServerAtOnce(TestServer.Kind kind, Preset preset) {
        assumeThat(kind.available()).isTrue();
        try (TestServer server = TestServer.aggregating(kind, ClosePolicies.of(preset), p -> p.addLast(new Apps.Fixed(Apps.SMALL)))) {
            RawHttpClient ab = RawHttpClient.builder(server.address())
                    .version(RawHttpClient.Version.HTTP_1_0)
                    .closeStyle(RawHttpClient.CloseStyle.EOF_WAITING)
                    .build();
            for (int i = 0; i < 20; i++) {
                HttpResult r = ab.send();
                assertThat(r.ok()).as("%s", r).isTrue();
                assertThat(r.serverClosed()).as("the server's FIN ends the exchange: %s", r).isTrue();
                assertThat(r.resetSeen()).isFalse();
            }
            // The first connection from an address is probed (close.eof-probe) for a FIN that does not come; the address
            // is then known to read to EOF and every later connection gets a prompt FIN.
            // Events are emitted on each connection's event loop, so they may be recorded out of connection order.
            List<CloseEvent> events = server.events.awaitAtLeast(20, Duration.ofSeconds(10)).stream()
                    .sorted(Comparator.comparingLong(CloseEvent::connectionId))
                    .toList();
            assertThat(events.get(0).fallbackReason()).as("%s", events.get(0)).isEqualTo(FallbackReason.CLIENT_WAIT_EXPIRED);
            assertThat(events.get(0).usedMode()).isEqualTo(CloseMode.FIN);
            for (CloseEvent e : events) {
                assertThat(e.whoClosed()).as("%s", e).isEqualTo(WhoClosed.LOCAL_FIN);
                assertThat(e.closeDuration()).as("closed before the client wait could run out: %s", e).isLessThan(CLIENT_WAIT);
            }
            for (CloseEvent e : events.subList(1, events.size())) {
                assertThat(e.retireReason()).as("%s", e).isEqualTo(RetireReason.EOF_DELIMITED);
            }
        }
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("runs")
    void responseWithoutLengthIsEndedByTheServerAtOnce(TestServer.Kind kind, Preset preset) {
        assumeThat(kind.available()).isTrue();
        try (TestServer server = TestServer.aggregating(kind, ClosePolicies.of(preset),
                p -> p.addLast(new Apps.Fixed(Apps.SMALL, false, false)))) {
            RawHttpClient curl = RawHttpClient.builder(server.address()).build();
            for (int i = 0; i < 20; i++) {
                HttpResult r = curl.send();
                assertThat(r.ok()).as("%s", r).isTrue();
                assertThat(r.framing()).isEqualTo(HttpResult.Framing.EOF);
                assertThat(r.bodyLength()).isEqualTo(Apps.SMALL);
            }
            for (CloseEvent e : server.events.awaitAtLeast(20, Duration.ofSeconds(10))) {
                assertThat(e.whoClosed()).as("%s", e).isEqualTo(WhoClosed.LOCAL_FIN);
                assertThat(e.retireReason()).isEqualTo(RetireReason.EOF_DELIMITED);
                assertThat(e.closeDuration()).as("%s", e).isLessThan(CLIENT_WAIT);
            }
        }
    }
}
