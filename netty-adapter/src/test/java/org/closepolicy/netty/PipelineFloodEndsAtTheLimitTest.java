package org.closepolicy.netty;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.closepolicy.CloseEvent;
import org.closepolicy.ClosePolicies;
import org.closepolicy.Preset;
import org.closepolicy.RetireReason;
import org.closepolicy.WhoClosed;
import org.closepolicy.testkit.DeterministicBytes;
import org.closepolicy.testkit.HttpResult;
import org.closepolicy.testkit.RawHttpClient;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A client that pipelines far more requests than the server holds behind a slow asynchronous first response (more
 * than the codec's own pipelining depth, too) gets the response in progress whole, with {@code Connection: close},
 * and nothing mixed up; then the connection ends the policy's way and the rest is left unanswered for the client to
 * retry. Bounded by requests (GETs) and by bytes (POSTs with bodies).
 */
class PipelineFloodEndsAtTheLimitTest {

    private static final int REQUESTS = 200;

    @ParameterizedTest(name = "{0} {1} bounds: {2} requests, {3} bytes")
    @CsvSource({
        "KEEP_ALIVE, GET,  32, 1048576",
        "KEEP_ALIVE, POST, 1000, 65536",
        "SAFE_RESET, GET,  32, 1048576",
        "SERVER_FIN, POST, 1000, 65536",
    })
    void aFloodIsAnsweredInOrderUpToTheBoundThenRetired(Preset preset, String method, int maxRequests, long maxBytes) {
        NettyClosePolicy.Builder cp = NettyClosePolicy.builder(ClosePolicies.of(preset))
                .maxPipelinedRequests(maxRequests).maxPipelinedBytes(maxBytes);
        Events events = new Events();
        List<String> paths = new ArrayList<>(Collections.nCopies(REQUESTS, "/fast"));
        paths.set(0, "/slow");
        try (TestServer server = TestServer.custom(TestServer.Kind.NIO, ClosePolicies.of(preset), (ignored, p) -> {
            p.addLast(new io.netty.handler.codec.http.HttpServerCodec());
            cp.listener(events).build().installHttp(p);
            p.addLast(new io.netty.handler.codec.http.HttpObjectAggregator(1 << 20), new Apps.SlowOrFast(Duration.ofMillis(200)));
        })) {
            RawHttpClient.Builder b = RawHttpClient.builder(server.address())
                    .method(method)
                    .receiveBufferSize(32 * 1024)
                    .readChunk(16 * 1024)
                    .readDelay(Duration.ofMillis(1))
                    .stopAtConnectionClose(true)
                    .deadline(Duration.ofSeconds(60));
            if (method.equals("POST")) {
                b.deterministicBody(4_000);
            }
            List<HttpResult> results = b.build().pipeline(paths);
            System.out.println("DBG results " + results.subList(0, 3) + " event " + events.awaitOne(Duration.ofSeconds(30)));
            int answered = 0;
            while (answered < REQUESTS && results.get(answered).status() != -1) {
                answered++;
            }
            assertThat(answered).as("the response in progress is the last: %s", results.subList(0, 2)).isEqualTo(1);
            for (int i = 0; i < answered; i++) {
                HttpResult r = results.get(i);
                int size = i == 0 ? Apps.SlowOrFast.SLOW_BODY : Apps.SMALL;
                assertThat(r.ok()).as("response %d: %s", i + 1, r).isTrue();
                assertThat(r.bodyLength()).as("response %d: %s", i + 1, r).isEqualTo(size);
                assertThat(r.bodySha256()).as("response %d", i + 1).isEqualTo(DeterministicBytes.sha256Hex(size));
                boolean close = r.headers().first("Connection").map("close"::equalsIgnoreCase).orElse(false);
                assertThat(close).as("Connection: close on response %d of %d", i + 1, answered).isEqualTo(i == answered - 1);
            }
            for (int i = answered; i < REQUESTS; i++) {
                assertThat(results.get(i).status()).as("request %d", i + 1).isEqualTo(-1);
            }
            CloseEvent e = events.awaitOne(Duration.ofSeconds(30));
            assertThat(e.requestsServed()).as("%s", e).isEqualTo(answered);
            if (preset == Preset.KEEP_ALIVE) {
                assertThat(e.retireReason()).as("%s", e).isEqualTo(RetireReason.PIPELINE_LIMIT);
                assertThat(e.whoClosed()).as("the client closes after Connection: close: %s", e).isEqualTo(WhoClosed.REMOTE_FIN);
            } else {
                assertThat(e.retireReason()).as("%s", e).isEqualTo(RetireReason.MAX_REQUESTS);
            }
            System.out.println("pipeline flood " + preset + " " + method + ": " + answered + " answered; " + e);
        }
    }
}
