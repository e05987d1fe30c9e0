package org.closepolicy.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import org.closepolicy.CloseEvent;
import org.closepolicy.CloseSettings;
import org.closepolicy.Closer;
import org.closepolicy.Preset;
import org.closepolicy.RetireReason;
import org.closepolicy.WhoClosed;

/**
 * The checks of the pipelining tests, the same on every adapter: a slow reader sends pipelined requests and reads
 * the responses in order; under keep-alive every request is answered in request order, under a preset that retires
 * after one request only the first is, with {@code Connection: close}, and the connection closes the preset's way.
 * <pre>{@code
 * List<HttpResult> results = PipelinedOrder.slowReader(server.address()).pipeline(paths);
 * PipelinedOrder.assertRequestOrder(preset, paths, results, closeEvent,
 *         (r, path, i) -> PipelinedOrder.assertAnswers(r, path, i, sizeOf(path), sha256Of(path)));
 * }</pre>
 *
 * <p>Thread-safety: stateless; safe from any thread.
 */
public final class PipelinedOrder {

    private PipelinedOrder() {
    }

    /** Checks that response {@code index} answers {@code path}. */
    @FunctionalInterface
    public interface Answers {
        /** Fails unless {@code r} is the whole answer to {@code path}, the request at {@code index} (from 0). */
        void check(HttpResult r, String path, int index);
    }

    /**
     * A client that pipelines its requests and reads slowly (a 32 KiB receive buffer, 16 KiB a millisecond), so
     * that a large response fills the socket buffers while the later requests wait; it stops at
     * {@code Connection: close} and gives up after 60 s.
     */
    public static RawHttpClient slowReader(InetSocketAddress server) {
        return RawHttpClient.builder(server)
                .receiveBufferSize(32 * 1024)
                .readChunk(16 * 1024)
                .readDelay(Duration.ofMillis(1))
                .stopAtConnectionClose(true)
                .deadline(Duration.ofSeconds(60))
                .build();
    }

    /** Whether the response announces {@code Connection: close}. */
    public static boolean announcesClose(HttpResult r) {
        return r.headers().first("Connection").map("close"::equalsIgnoreCase).orElse(false);
    }

    /** Response {@code index} (from 0) answers {@code path}: 200, whole, {@code length} bytes hashing to {@code sha256}. */
    public static void assertAnswers(HttpResult r, String path, int index, int length, String sha256) {
        assertThat(r.status()).as("response %d (%s): %s", index + 1, path, r).isEqualTo(200);
        assertThat(r.complete()).as("response %d (%s) whole: %s", index + 1, path, r).isTrue();
        assertThat(r.bodyLength()).as("response %d answers %s: %s", index + 1, path, r).isEqualTo(length);
        assertThat(r.bodySha256()).as("response %d body", index + 1).isEqualTo(sha256);
    }

    /**
     * Under {@link Preset#KEEP_ALIVE} every request of {@code paths} is answered in order without
     * {@code Connection: close}, and the client closes the kept connection; under any other preset (which retires
     * after one request) exactly the first is answered, with {@code Connection: close}, and the connection closes as
     * the preset plans. {@code e} is the connection's close event.
     */
    public static void assertRequestOrder(Preset preset, List<String> paths, List<HttpResult> results, CloseEvent e,
            Answers answers) {
        if (preset == Preset.KEEP_ALIVE) {
            for (int i = 0; i < paths.size(); i++) {
                answers.check(results.get(i), paths.get(i), i);
                assertThat(announcesClose(results.get(i))).as("response %d: %s", i + 1, results.get(i)).isFalse();
            }
            assertThat(e.requestsServed()).as("%s", e).isEqualTo(paths.size());
            assertThat(e.whoClosed()).as("the client closes the kept connection: %s", e).isEqualTo(WhoClosed.REMOTE_FIN);
            return;
        }
        answers.check(results.get(0), paths.get(0), 0);
        assertThat(announcesClose(results.get(0))).as("Connection: close on %s", results.get(0)).isTrue();
        for (int i = 1; i < paths.size(); i++) {
            assertThat(results.get(i).status()).as("request %d is not answered: %s", i + 1, results.get(i)).isEqualTo(-1);
        }
        assertThat(e.requestsServed()).as("%s", e).isEqualTo(1);
        assertThat(e.retireReason()).as("%s", e).isEqualTo(RetireReason.MAX_REQUESTS);
        Closer closer = CloseSettings.of(preset).closer();
        assertThat(e.plannedCloser()).as("%s", e).isEqualTo(closer);
        assertThat(e.whoClosed()).as("%s", e).isEqualTo(closer == Closer.SERVER_FIRST ? WhoClosed.LOCAL_FIN : WhoClosed.REMOTE_FIN);
    }
}
