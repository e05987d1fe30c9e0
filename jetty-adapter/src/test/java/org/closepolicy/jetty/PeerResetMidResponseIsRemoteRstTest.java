package org.closepolicy.jetty;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.stream.Stream;
import org.closepolicy.CloseEvent;
import org.closepolicy.ClosePolicies;
import org.closepolicy.Preset;
import org.closepolicy.WhoClosed;
import org.closepolicy.testkit.DeterministicBytes;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A client that resets its connection (SO_LINGER 0) in the middle of an 8 MB response is recorded as
 * {@link WhoClosed#REMOTE_RST} under every preset: whether the body goes out in one last write (the
 * connection is retired before the write starts, so the failed write ends a retiring connection) or
 * in 64 KiB pieces (the reset fails a write of a connection that is still open). The server never
 * sent a FIN first, so the event must not say {@code LOCAL_FIN}.
 */
class PeerResetMidResponseIsRemoteRstTest {

    /** More than the kernel's largest send buffer plus the client's receive buffer: the server is still writing. */
    private static final int SIZE = 8_000_000;
    private static final byte[] BODY = DeterministicBytes.generate(SIZE);

    /** How the handler writes the body. */
    enum Writes {
        /** The whole body in one last write, as an application with the body in memory does. */
        ONE_LAST_WRITE,
        /** 64 KiB pieces, each after the previous one completed, then an empty last write. */
        PIECES
    }

    static Stream<Arguments> cases() {
        return Stream.of(Preset.SERVER_FIN, Preset.LINGERING, Preset.CLIENT_FIRST, Preset.SAFE_RESET)
                .flatMap(p -> Stream.of(Writes.values()).map(w -> Arguments.of(p, w)));
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("cases")
    void resetInTheMiddleOfTheResponseIsTheClients(Preset preset, Writes writes) throws Exception {
        Handler handler = writes == Writes.ONE_LAST_WRITE ? oneLastWrite() : ExampleHandlers.routes();
        try (TestServer server = TestServer.start(ClosePolicies.of(preset), handler)) {
            try (Socket s = new Socket()) {
                s.setReceiveBufferSize(16 * 1024);
                s.setSoTimeout(10_000);
                s.connect(server.address(), 5_000);
                s.getOutputStream().write(("GET /bytes?n=" + SIZE + " HTTP/1.1\r\nHost: localhost\r\n\r\n")
                        .getBytes(StandardCharsets.ISO_8859_1));
                readAtLeast(s.getInputStream(), 64 * 1024);
                s.setSoLinger(true, 0); // close() now sends an RST, with most of the response still to come
            }
            await().atMost(Duration.ofSeconds(5)).until(() -> server.events().size() == 1);
            CloseEvent e = server.events().get(0);
            assertThat(e.whoClosed()).as(e.toString()).isEqualTo(WhoClosed.REMOTE_RST);
            assertThat(e.requestsServed()).as(e.toString()).isEqualTo(1);
            await().atMost(Duration.ofSeconds(5)).until(() -> server.stats().open() == 0);
            assertThat(server.events()).as("one event per connection").hasSize(1);
        }
    }

    private static Handler oneLastWrite() {
        return new Handler.Abstract.NonBlocking() {
            @Override
            public boolean handle(Request request, Response response, Callback callback) {
                response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/octet-stream");
                response.getHeaders().put(HttpHeader.CONTENT_LENGTH, BODY.length);
                response.write(true, ByteBuffer.wrap(BODY).asReadOnlyBuffer(), callback);
                return true;
            }
        };
    }

    private static void readAtLeast(InputStream in, int n) throws IOException {
        byte[] buf = new byte[8192];
        int read = 0;
        while (read < n) {
            int k = in.read(buf);
            if (k < 0) {
                throw new IOException("EOF after " + read + " bytes");
            }
            read += k;
        }
    }
}
