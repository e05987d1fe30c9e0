package org.closepolicy.jetty;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.closepolicy.ClosePolicies;
import org.closepolicy.CloseEvent;
import org.closepolicy.DrainReport;
import org.closepolicy.WhoClosed;
import org.closepolicy.testkit.DeterministicBytes;
import org.closepolicy.testkit.ResponseHeaders;
import org.closepolicy.testkit.Sha256;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.junit.jupiter.api.Test;

/**
 * Jetty's graceful stop shuts the output down after a response that was committed as persistent before the stop
 * began (no {@code Connection: close}): its client, told nothing, sends its next request at once. That FIN must
 * not be sent, nor the connection retired unannounced (whose client-first wait ends in an RST under the client's
 * request): the drain keeps it, answers the next request with {@code Connection: close}, and the client closes.
 */
class ResponseCommittedBeforeTheStopIsNotTheConnectionsLastTest {

    private static final int BODY = 4096;
    private static final byte[] BYTES = DeterministicBytes.generate(BODY);

    /** {@code /held} commits half of its body, then waits for {@link #release}; anything else answers at once. */
    static final class Held extends Handler.Abstract.NonBlocking {
        final CountDownLatch committed = new CountDownLatch(1);
        final CompletableFuture<Void> release = new CompletableFuture<>();

        @Override
        public boolean handle(Request request, Response response, Callback callback) {
            response.getHeaders().put(HttpHeader.CONTENT_LENGTH, BODY);
            if (!Request.getPathInContext(request).equals("/held")) {
                response.write(true, ByteBuffer.wrap(BYTES), callback);
                return true;
            }
            response.write(false, ByteBuffer.wrap(BYTES, 0, BODY / 2), Callback.from(() -> {
                committed.countDown();
                release.thenRun(() -> response.write(true, ByteBuffer.wrap(BYTES, BODY / 2, BODY - BODY / 2), callback));
            }, callback::failed));
            return true;
        }
    }

    @Test
    void theNextRequestIsAnsweredWithConnectionCloseAndTheClientClosesFirst() throws Exception {
        Held app = new Held();
        TestServer server = TestServer.start(ClosePolicies.keepAlive(), app);
        CompletableFuture<Void> stopped = null;
        try (Socket s = new Socket()) {
            s.connect(server.address(), 5_000);
            s.setSoTimeout(20_000);
            OutputStream out = s.getOutputStream();
            InputStream in = s.getInputStream();
            out.write(request("/held"));
            out.flush();
            assertThat(app.committed.await(10, TimeUnit.SECONDS)).as("the first response is committed").isTrue();

            server.connectorServer().setStopTimeout(10_000);
            stopped = CompletableFuture.runAsync(server::close); // Jetty's graceful stop: stop accepting, drain, stop
            await().atMost(Duration.ofSeconds(10)).until(() -> server.connector().stopBegun() && server.connector().draining());
            app.release.complete(null);

            String first = ResponseHeaders.readHead(in);
            assertThat(first).startsWith("HTTP/1.1 200");
            assertThat(connectionClose(first)).as("committed before the stop: persistent\n%s", first).isFalse();
            assertThat(Sha256.hex(in.readNBytes(BODY))).isEqualTo(DeterministicBytes.sha256Hex(BODY));

            out.write(request("/next")); // a keep-alive client reuses the connection at once
            out.flush();
            String second = ResponseHeaders.readHead(in);
            assertThat(second).startsWith("HTTP/1.1 200");
            assertThat(connectionClose(second)).as("the drain announces the last response\n%s", second).isTrue();
            assertThat(Sha256.hex(in.readNBytes(BODY))).isEqualTo(DeterministicBytes.sha256Hex(BODY));
        } // the client closes first, as told
        stopped.get(20, TimeUnit.SECONDS);

        DrainReport report = server.connector().drain(Duration.ZERO).get(10, TimeUnit.SECONDS);
        System.out.println("jetty stop after a persistent response: " + report + " " + server.events());
        assertThat(report.connectionsAtStart()).as("%s", report).isEqualTo(1);
        assertThat(report.announced()).as("%s", report).isEqualTo(1);
        assertThat(report.byWhoClosed().get(WhoClosed.LOCAL_RST)).as("%s", report).isZero();
        assertThat(server.events()).extracting(CloseEvent::whoClosed).containsExactly(WhoClosed.REMOTE_FIN);
    }

    private static byte[] request(String path) {
        return ("GET " + path + " HTTP/1.1\r\nHost: localhost\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
    }

    private static boolean connectionClose(String head) {
        return Arrays.stream(head.split("\r\n")).map(l -> l.toLowerCase(Locale.ROOT))
                .anyMatch(l -> l.startsWith("connection:") && l.contains("close"));
    }
}
