package org.closepolicy.kernel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ProtocolFamily;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * sock_diag reports, for real loopback connections, the same send queue as {@code /proc/net/tcp}: large while a
 * client does not read, 0 once it has read everything, absent once the connection is closed. IPv4 sockets,
 * dual-stack IPv6 sockets with IPv4-mapped addresses and IPv6 sockets.
 */
class SockDiagReportsTheProcSendQueueTest {

    private static final Duration DEADLINE = Duration.ofSeconds(10);
    private static final int BYTES = 4 * 1024 * 1024;
    private static SockDiag diag;

    @BeforeAll
    static void requireSockDiag() throws IOException {
        assumeThat(TcpTable.system().snapshot().supported()).as("kernel TCP table readable").isTrue();
        assumeThat(SockDiag.isAvailable()).as("sock_diag: " + SockDiag.unavailableReason().orElse("")).isTrue();
        diag = SockDiag.open();
    }

    @AfterAll
    static void closeDiag() {
        if (diag != null) {
            diag.close();
        }
    }

    @Test
    void ipv4SocketQueueMatchesTheTableWhileStalledDrainedAndGone() throws Exception {
        InetAddress lo = InetAddress.getByName("127.0.0.1");
        InetSocketAddress[] tuple = stallDrainAndClose(StandardProtocolFamily.INET, lo);
        assertThat(tuple).isNotNull();
    }

    @Test
    void dualStackSocketWithIpv4MappedAddressesIsFoundByItsIpv4Address() throws Exception {
        InetAddress lo = InetAddress.getByName("127.0.0.1");
        stallDrainAndClose(StandardProtocolFamily.INET6, lo);
    }

    @Test
    void ipv6SocketQueueMatchesTheTable() throws Exception {
        InetAddress lo6 = InetAddress.getByName("::1");
        try (ServerSocketChannel probe = ServerSocketChannel.open(StandardProtocolFamily.INET6)) {
            probe.bind(new InetSocketAddress(lo6, 0));
        } catch (IOException | UnsupportedOperationException e) {
            assumeThat(false).as("::1 available: " + e).isTrue();
        }
        stallDrainAndClose(StandardProtocolFamily.INET6, lo6);
    }

    @Test
    void aWatcherBuiltWithDefaultsSwitchesToSockDiagOnceDecided() {
        // The table answers while the process decides whether sock_diag works; then every tick uses sock_diag.
        try (AckWatcher watcher = AckWatcher.builder().build()) {
            InetSocketAddress nowhere = new InetSocketAddress(InetAddress.getLoopbackAddress(), 1);
            InetSocketAddress peer = new InetSocketAddress(InetAddress.getLoopbackAddress(), 2);
            await().atMost(DEADLINE).until(() -> {
                AtomicReference<AckResult> result = new AtomicReference<>();
                watcher.watch(nowhere, peer, Duration.ZERO, (r, p) -> result.set(r));
                await().atMost(DEADLINE).until(() -> result.get() != null);
                assertThat(result.get()).isEqualTo(AckResult.GONE);
                return watcher.path() == AckPath.SOCK_DIAG;
            });
        }
    }

    /**
     * The server writes 4 MB to a client that does not read: both sources must agree on a non-zero queue; the
     * client reads it all: both report 0; both sides close: both report nothing.
     */
    private static InetSocketAddress[] stallDrainAndClose(ProtocolFamily family, InetAddress address) throws Exception {
        try (ServerSocketChannel server = ServerSocketChannel.open(family)) {
            server.bind(new InetSocketAddress(address, 0), 1);
            InetSocketAddress local;
            InetSocketAddress remote;
            try (SocketChannel client = SocketChannel.open(family)) {
                client.setOption(StandardSocketOptions.SO_RCVBUF, 16 * 1024);
                client.connect(new InetSocketAddress(address, ((InetSocketAddress) server.getLocalAddress()).getPort()));
                try (SocketChannel accepted = server.accept()) {
                    local = (InetSocketAddress) accepted.getLocalAddress();
                    remote = (InetSocketAddress) accepted.getRemoteAddress();
                    assertRightTable(family, address, local, remote);
                    CompletableFuture<Void> writer = writeInBackground(accepted, BYTES);

                    AtomicReference<String> seen = new AtomicReference<>();
                    await().atMost(DEADLINE).until(() -> {
                        // The queue is steady once the client's window is full; three reads in a row agree then.
                        OptionalLong before = diag.sendQueue(local, remote);
                        OptionalLong proc = TcpTable.system().snapshot().txQueue(local, remote);
                        OptionalLong after = diag.sendQueue(local, remote);
                        seen.set(before + " " + proc + " " + after);
                        return before.orElse(0) > 0 && before.equals(proc) && proc.equals(after);
                    });
                    assertThat(writer).as(seen.get()).isNotDone();

                    assertThat(readFully(client, BYTES)).isEqualTo(BYTES);
                    writer.get(DEADLINE.toMillis(), TimeUnit.MILLISECONDS);
                    await().atMost(DEADLINE).until(() -> diag.sendQueue(local, remote).equals(OptionalLong.of(0)));
                    assertThat(TcpTable.system().snapshot().txQueue(local, remote)).hasValue(0);
                    client.close(); // the client closes first: the server's socket leaves the table on close
                    assertThat(accepted.read(ByteBuffer.allocate(1))).isEqualTo(-1);
                }
            }
            await().atMost(DEADLINE).until(() -> TcpTable.system().snapshot().entry(local, remote).isEmpty());
            assertThat(diag.sendQueue(local, remote)).isEmpty();
            return new InetSocketAddress[] {local, remote};
        }
    }

    /** Makes sure each case tests what it says: an AF_INET socket is in tcp, a dual-stack one in tcp6. */
    private static void assertRightTable(ProtocolFamily family, InetAddress address, InetSocketAddress local,
                                         InetSocketAddress remote) {
        boolean inTcp4 = TcpTable.of(Paths.get("/proc/net/tcp"), null).snapshot().entry(local, remote).isPresent();
        boolean inTcp6 = TcpTable.of(null, Paths.get("/proc/net/tcp6")).snapshot().entry(local, remote).isPresent();
        boolean expectTcp6 = family == StandardProtocolFamily.INET6;
        assertThat(inTcp6).as("in tcp6: " + address).isEqualTo(expectTcp6);
        assertThat(inTcp4).as("in tcp: " + address).isEqualTo(!expectTcp6);
    }

    private static CompletableFuture<Void> writeInBackground(SocketChannel s, int bytes) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        Thread t = new Thread(() -> {
            try {
                ByteBuffer chunk = ByteBuffer.allocate(64 * 1024);
                for (int sent = 0; sent < bytes; ) {
                    chunk.clear().limit(Math.min(chunk.capacity(), bytes - sent));
                    sent += s.write(chunk);
                }
                done.complete(null);
            } catch (IOException | RuntimeException e) {
                done.completeExceptionally(e);
            }
        }, "test-stalled-writer");
        t.setDaemon(true);
        t.start();
        return done;
    }

    private static int readFully(SocketChannel client, int expected) throws IOException {
        InputStream in = Channels.newInputStream(client);
        byte[] buf = new byte[64 * 1024];
        int total = 0;
        for (int n; total < expected && (n = in.read(buf)) > 0; ) {
            total += n;
        }
        return total;
    }
}
