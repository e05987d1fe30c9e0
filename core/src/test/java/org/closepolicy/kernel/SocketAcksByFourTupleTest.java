package org.closepolicy.kernel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;
import static org.awaitility.Awaitility.await;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * {@link SocketAcks#unacknowledged(InetSocketAddress, InetSocketAddress)} on real loopback sockets: the bytes a
 * server wrote to a client that does not read are counted until the client has read them all, then {@code 0}; a
 * 4-tuple the kernel does not know is {@code -1}, never a proof.
 */
class SocketAcksByFourTupleTest {

    private static final int BYTES = 2 * 1024 * 1024;

    @Test
    void countsUntilTheClientHasReadEverythingThenProves() throws Exception {
        assumeThat(SockDiag.isAvailable()).as("%s", SockDiag.unavailableReason()).isTrue(); // decides before the first ask
        InetAddress loopback = InetAddress.getLoopbackAddress();
        try (ServerSocket server = new ServerSocket(0, 1, loopback); Socket client = new Socket()) {
            client.setReceiveBufferSize(16 * 1024);
            client.connect(server.getLocalSocketAddress());
            try (Socket accepted = server.accept()) {
                InetSocketAddress local = (InetSocketAddress) accepted.getLocalSocketAddress();
                InetSocketAddress remote = (InetSocketAddress) accepted.getRemoteSocketAddress();
                Thread writer = new Thread(() -> {
                    try (OutputStream out = accepted.getOutputStream()) {
                        out.write(new byte[BYTES]);
                    } catch (Exception e) {
                        // the test fails on the count below
                    }
                }, "socket-acks-writer");
                writer.start();
                await().atMost(Duration.ofSeconds(10)).until(() -> SocketAcks.unacknowledged(local, remote) > 0);

                InputStream in = client.getInputStream();
                byte[] buf = new byte[64 * 1024];
                for (long read = 0; read < BYTES; ) {
                    int n = in.read(buf);
                    assertThat(n).as("bytes before EOF").isPositive();
                    read += n;
                }
                writer.join(10_000);
                await().atMost(Duration.ofSeconds(10)).until(() -> SocketAcks.unacknowledged(local, remote) == 0);
                assertThat(SocketAcks.unacknowledged(local, new InetSocketAddress(remote.getAddress(), 1))).isEqualTo(-1);
            }
        }
    }
}
