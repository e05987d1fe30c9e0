package org.closepolicy.kernel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * A quiet server-side connection (every byte acknowledged) whose client has sent a request the server has not
 * read yet: the real kernel's ack check says PEER_DATA_WAITING, not ACKED, on both paths; once the server has
 * read the request it says ACKED.
 */
class UnreadRequestIsNoAckProofOnARealSocketTest {

    private static final Duration DEADLINE = Duration.ofSeconds(10);
    private static final int TIMEOUT_MS = 10_000;
    private static final byte[] REQUEST = "GET / HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII);

    /** A reader that knows nothing: a sock_diag failure shows as UNSUPPORTED instead of the table answering. */
    private static final SendQueueReader NO_FALLBACK = new SendQueueReader() {
        @Override
        public boolean read(TupleKey[] keys, int n, long[] out) {
            return false;
        }

        @Override
        public AckPath path() {
            return AckPath.PROC_NET_TCP;
        }
    };

    @Test
    void procNetTcpPath() throws Exception {
        assumeThat(TcpTable.system().snapshot().supported()).as("kernel TCP table readable").isTrue();
        unreadRequestIsNoProofUntilRead(TableSendQueues::system);
    }

    @Test
    void sockDiagPath() throws Exception {
        assumeThat(SockDiag.isAvailable()).as("sock_diag: " + SockDiag.unavailableReason().orElse("")).isTrue();
        unreadRequestIsNoProofUntilRead(() -> new SockDiagSendQueues(() -> {
            SockDiag diag = SockDiag.open();
            return new SockDiagSendQueues.Query() {
                @Override
                public void sendQueues(TupleKey[] keys, int n, long[] out) throws IOException {
                    diag.sendQueues(keys, n, out);
                }

                @Override
                public void close() {
                    diag.close();
                }
            };
        }, NO_FALLBACK));
    }

    @SuppressWarnings("try") // the client closes first on purpose, inside its try block
    private static void unreadRequestIsNoProofUntilRead(Supplier<SendQueueReader> reader) throws Exception {
        try (AckWatcher watcher = AckWatcher.builder().reader(reader).build();
             ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
             Socket client = new Socket()) {
            server.setSoTimeout(TIMEOUT_MS);
            client.connect(server.getLocalSocketAddress(), TIMEOUT_MS);
            try (Socket accepted = server.accept()) {
                InetSocketAddress local = (InetSocketAddress) accepted.getLocalSocketAddress();
                InetSocketAddress remote = (InetSocketAddress) accepted.getRemoteSocketAddress();
                assertThat(settle(watcher, local, remote)).as("quiet connection").isEqualTo("ACKED:0");

                client.getOutputStream().write(REQUEST); // the crossing request; the server does not read it yet
                client.getOutputStream().flush();
                assertThat(settle(watcher, local, remote)).as("request unread").isEqualTo("PEER_DATA_WAITING:0");

                accepted.setSoTimeout(TIMEOUT_MS);
                InputStream in = accepted.getInputStream();
                assertThat(in.readNBytes(REQUEST.length)).isEqualTo(REQUEST);
                assertThat(settle(watcher, local, remote)).as("request read").isEqualTo("ACKED:0");

                client.close();
                assertThat(in.read()).isEqualTo(-1);
            }
        }
    }

    private static String settle(AckWatcher watcher, InetSocketAddress local, InetSocketAddress remote) {
        AtomicReference<String> result = new AtomicReference<>();
        watcher.watch(local, remote, DEADLINE, (r, p) -> result.set(r + ":" + p));
        await().atMost(DEADLINE).until(() -> result.get() != null);
        return result.get();
    }
}
