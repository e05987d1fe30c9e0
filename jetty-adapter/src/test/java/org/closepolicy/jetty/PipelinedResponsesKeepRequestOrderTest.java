package org.closepolicy.jetty;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.stream.Stream;
import org.closepolicy.CloseEvent;
import org.closepolicy.ClosePolicies;
import org.closepolicy.ClosePolicy;
import org.closepolicy.Preset;
import org.closepolicy.RetireReason;
import org.closepolicy.testkit.DeterministicBytes;
import org.closepolicy.testkit.HttpResult;
import org.closepolicy.testkit.PipelinedOrder;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Pipelined requests mixing a large response started on another thread after a delay with immediate small ones,
 * read by a slow reader: responses arrive in request order, each whole (SHA-256), on bare Jetty and under every
 * preset. A preset that retires after one request answers exactly the first, with {@code Connection: close}, and
 * closes its way; a client flooding pipelined requests gets at most the policy's maximum of requests, in order.
 */
class PipelinedResponsesKeepRequestOrderTest {

    private static final int LARGE = 4_000_000;
    private static final String LATER = "/later?n=" + LARGE + "&ms=150";
    private static final List<List<String>> SHAPES = List.of(
            List.of(LATER, "/weather"),
            List.of(LATER, "/weather", "/weather"),
            List.of("/weather", LATER, "/weather"));

    static Stream<Arguments> runs() {
        Stream.Builder<Arguments> b = Stream.builder();
        for (List<String> shape : SHAPES) {
            for (Preset preset : Preset.values()) {
                b.add(Arguments.of(preset, shape));
            }
        }
        return b.build();
    }

    private static void assertAnswers(HttpResult r, String path, int index) {
        int size = path.equals(LATER) ? LARGE : ExampleHandlers.WEATHER.length;
        String sha = path.equals(LATER) ? DeterministicBytes.sha256Hex(LARGE) : org.closepolicy.testkit.Sha256.hex(ExampleHandlers.WEATHER);
        PipelinedOrder.assertAnswers(r, path, index, size, sha);
    }

    @Test
    void bareJettyAnswersInRequestOrder() throws Exception {
        Server server = new Server();
        ServerConnector connector = new ServerConnector(server);
        connector.setHost("127.0.0.1");
        connector.setPort(0);
        server.addConnector(connector);
        server.setHandler(ExampleHandlers.routes());
        server.start();
        try {
            List<HttpResult> results = PipelinedOrder.slowReader(new InetSocketAddress("127.0.0.1", connector.getLocalPort())).pipeline(SHAPES.get(0));
            assertAnswers(results.get(0), LATER, 0);
            assertAnswers(results.get(1), "/weather", 1);
        } finally {
            server.stop();
        }
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("runs")
    void responsesArriveInRequestOrder(Preset preset, List<String> paths) throws Exception {
        try (TestServer server = TestServer.start(ClosePolicies.of(preset), ExampleHandlers.routes())) {
            List<HttpResult> results = PipelinedOrder.slowReader(server.address()).pipeline(paths);
            await().atMost(Duration.ofSeconds(30)).until(() -> server.events().size() == 1);
            CloseEvent e = server.events().get(0);
            PipelinedOrder.assertRequestOrder(preset, paths, results, e, PipelinedResponsesKeepRequestOrderTest::assertAnswers);
        }
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(value = Preset.class, names = {"KEEP_ALIVE", "SAFE_RESET"})
    void aPipelineFloodEndsAtTheMaximumOfRequests(Preset preset) throws Exception {
        int max = preset == Preset.KEEP_ALIVE ? 50 : 1;
        ClosePolicy policy = ClosePolicy.builder(preset).maxRequests(max).jitter(0).build();
        List<String> paths = new ArrayList<>(Collections.nCopies(200, "/weather"));
        paths.set(0, LATER);
        try (TestServer server = TestServer.start(policy, ExampleHandlers.routes())) {
            List<HttpResult> results = PipelinedOrder.slowReader(server.address()).pipeline(paths);
            for (int i = 0; i < max; i++) {
                assertAnswers(results.get(i), paths.get(i), i);
                assertThat(PipelinedOrder.announcesClose(results.get(i))).as("Connection: close on response %d of %d", i + 1, max).isEqualTo(i == max - 1);
            }
            for (int i = max; i < paths.size(); i++) {
                assertThat(results.get(i).status()).as("request %d", i + 1).isEqualTo(-1);
            }
            await().atMost(Duration.ofSeconds(30)).until(() -> server.events().size() == 1);
            CloseEvent e = server.events().get(0);
            assertThat(e.requestsServed()).as("%s", e).isEqualTo(max);
            assertThat(e.retireReason()).as("%s", e).isEqualTo(RetireReason.MAX_REQUESTS);
        }
    }
}
