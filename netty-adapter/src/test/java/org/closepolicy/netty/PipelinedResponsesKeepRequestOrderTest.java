package org.closepolicy.netty;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpServerKeepAliveHandler;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.closepolicy.CloseEvent;
import org.closepolicy.ClosePolicies;
import org.closepolicy.Preset;
import org.closepolicy.testkit.DeterministicBytes;
import org.closepolicy.testkit.HttpResult;
import org.closepolicy.testkit.PipelinedOrder;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Pipelined requests mixing a slow asynchronous 4 MB response with immediate small ones, read by a slow reader:
 * without the close policy the application's own order reaches the wire (the small response first); with it the
 * responses arrive in request order, each whole (SHA-256), under every preset. A preset that retires after one
 * request answers exactly the first request, announces {@code Connection: close} on it, and closes its way.
 */
class PipelinedResponsesKeepRequestOrderTest {

    private static final Duration SLOW_DELAY = Duration.ofMillis(150);
    private static final List<List<String>> SHAPES = List.of(
            List.of("/slow", "/fast"),
            List.of("/slow", "/fast", "/fast"),
            List.of("/fast", "/slow", "/fast"));

    static Stream<Arguments> runs() {
        Stream.Builder<Arguments> b = Stream.builder();
        for (List<String> shape : SHAPES) {
            for (Preset preset : Preset.values()) {
                b.add(Arguments.of(TestServer.Kind.NIO, preset, shape));
            }
        }
        for (Preset preset : Preset.values()) {
            b.add(Arguments.of(TestServer.Kind.EPOLL, preset, SHAPES.get(0)));
        }
        return b.build();
    }

    private static int sizeOf(String path) {
        return path.equals("/slow") ? Apps.SlowOrFast.SLOW_BODY : Apps.SMALL;
    }

    private static void assertAnswers(HttpResult r, String path, int index) {
        PipelinedOrder.assertAnswers(r, path, index, sizeOf(path), DeterministicBytes.sha256Hex(sizeOf(path)));
    }

    @ParameterizedTest(name = "bare {0}")
    @EnumSource(TestServer.Kind.class)
    void withoutThePolicyTheApplicationsOrderReachesTheWire(TestServer.Kind kind) {
        assumeThat(kind.available()).isTrue();
        try (TestServer server = TestServer.raw(kind, p -> p.addLast(new HttpServerCodec(), new HttpServerKeepAliveHandler(),
                new HttpObjectAggregator(1 << 20), new Apps.SlowOrFast(SLOW_DELAY)))) {
            List<HttpResult> results = PipelinedOrder.slowReader(server.address()).pipeline(List.of("/slow", "/fast"));
            // The baseline this handler fixes: the client takes the small body for the answer to /slow.
            assertThat(results.get(0).bodyLength()).as("first response on the wire: %s", results.get(0)).isEqualTo(Apps.SMALL);
            assertThat(results.get(1).bodyLength()).as("%s", results.get(1)).isEqualTo(Apps.SlowOrFast.SLOW_BODY);
        }
    }

    @ParameterizedTest(name = "{0} {1} {2}")
    @MethodSource("runs")
    void responsesArriveInRequestOrder(TestServer.Kind kind, Preset preset, List<String> paths) {
        assumeThat(kind.available()).isTrue();
        try (TestServer server = TestServer.aggregating(kind, ClosePolicies.of(preset), p -> p.addLast(new Apps.SlowOrFast(SLOW_DELAY)))) {
            List<HttpResult> results = PipelinedOrder.slowReader(server.address()).pipeline(paths);
            CloseEvent e = server.events.awaitOne(Duration.ofSeconds(30));
            PipelinedOrder.assertRequestOrder(preset, paths, results, e, PipelinedResponsesKeepRequestOrderTest::assertAnswers);
        }
    }
}
