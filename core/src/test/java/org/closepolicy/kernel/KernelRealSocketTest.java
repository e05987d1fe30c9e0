package org.closepolicy.kernel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Real loopback sockets against the real kernel table. */
class KernelRealSocketTest {

    private static final Duration DEADLINE = Duration.ofSeconds(10);
    private static final int TIMEOUT_MS = 10_000;
    private static final int N = 50;
    private static final int BYTES = 4 * 1024 * 1024;

    @BeforeAll
    static void requireLinuxTable() {
        assumeThat(TcpTable.system().snapshot().supported()).as("kernel TCP table readable").isTrue();
    }

    private static int timeWaitTowards(TcpSnapshot s, boolean serverSide, int serverPort, Set<Integer> clientPorts) {
        int n = 0;
        for (TcpEntry e : s.entries()) {
            if (e.state() != TcpState.TIME_WAIT) {
                continue;
            }
            if (serverSide && e.local().getPort() == serverPort && clientPorts.contains(e.remote().getPort())) {
                n++;
            }
            if (!serverSide && e.remote().getPort() == serverPort && clientPorts.contains(e.local().getPort())) {
                n++;
            }
        }
        return n;
    }

    @Test
    void serverClosingFirstLeavesTimeWaitOnTheServerPort() throws IOException {
        Set<Integer> clientPorts = new HashSet<>();
        try (ServerSocket server = new ServerSocket(0, N, InetAddress.getLoopbackAddress())) {
            server.setSoTimeout(TIMEOUT_MS);
            int port = server.getLocalPort();
            assertThat(TcpTable.system().snapshot().countLocalPort(TcpState.LISTEN, port)).isEqualTo(1);
            int baselineClientSide = TcpTable.system().snapshot().countRemotePort(TcpState.TIME_WAIT, port);

            for (int i = 0; i < N; i++) {
                try (Socket client = new Socket()) {
                    client.setSoTimeout(TIMEOUT_MS);
                    client.connect(server.getLocalSocketAddress(), TIMEOUT_MS);
                    clientPorts.add(client.getLocalPort());
                    Socket accepted = server.accept();
                    accepted.close(); // server FIN first
                    assertThat(client.getInputStream().read()).isEqualTo(-1);
                }
            }

            TcpSnapshot s = awaitSnapshot(TcpTable.system(), t -> t.countLocalPort(TcpState.TIME_WAIT, port) >= N);
            // A reused ephemeral server port may still carry TIME_WAIT of an earlier test: compare with the baseline.
            assertThat(timeWaitTowards(s, true, port, clientPorts)).isGreaterThanOrEqualTo(N);
            assertThat(s.countRemotePort(TcpState.TIME_WAIT, port)).isLessThanOrEqualTo(baselineClientSide);
        }
    }

    @Test
    void clientClosingFirstLeavesTimeWaitOnTheClientSide() throws IOException {
        Set<Integer> clientPorts = new HashSet<>();
        try (ServerSocket server = new ServerSocket(0, N, InetAddress.getLoopbackAddress())) {
            server.setSoTimeout(TIMEOUT_MS);
            int port = server.getLocalPort();
            int baselineServerSide = TcpTable.system().snapshot().countLocalPort(TcpState.TIME_WAIT, port);

            for (int i = 0; i < N; i++) {
                Socket client = new Socket();
                client.setSoTimeout(TIMEOUT_MS);
                client.connect(server.getLocalSocketAddress(), TIMEOUT_MS);
                clientPorts.add(client.getLocalPort());
                try (Socket accepted = server.accept()) {
                    accepted.setSoTimeout(TIMEOUT_MS);
                    client.close(); // client FIN first
                    assertThat(accepted.getInputStream().read()).isEqualTo(-1);
                }
            }

            TcpSnapshot s = awaitSnapshot(TcpTable.system(), t -> t.countRemotePort(TcpState.TIME_WAIT, port) >= N);
            assertThat(timeWaitTowards(s, false, port, clientPorts)).isGreaterThanOrEqualTo(N);
            assertThat(s.countLocalPort(TcpState.TIME_WAIT, port)).isLessThanOrEqualTo(baselineServerSide);
        }
    }

    @Test
    void sendQueueOfAStalledIpv4ConnectionDrainsWhenTheClientReads() throws Exception {
        InetAddress lo = InetAddress.getByName("127.0.0.1");
        slowReader(new InetSocketAddress(lo, 0), lo, TcpTable.system());
    }

    @Test
    void sendQueueOfAStalledIpv6ConnectionDrainsWhenTheClientReads() throws Exception {
        InetAddress lo6 = InetAddress.getByName("::1");
        assumeThat(canBind(new InetSocketAddress(lo6, 0))).as("::1 available").isTrue();
        slowReader(new InetSocketAddress(lo6, 0), lo6, TcpTable.system());
    }

    @Test
    void ipv4ClientOfADualStackListenerIsFoundInTcp6ByItsIpv4Address() throws Exception {
        Path tcp6 = Paths.get("/proc/net/tcp6");
        assumeThat(Files.isReadable(tcp6)).as("IPv6 table").isTrue();
        TcpTable only6 = TcpTable.of(null, tcp6);
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            // The JDK opens IPv6 sockets where it can; their IPv4 peers are listed as ::ffff:a.b.c.d.
            assumeThat(only6.snapshot().countLocalPort(TcpState.LISTEN, probe.getLocalPort()))
                    .as("JDK uses dual-stack sockets").isEqualTo(1);
        }
        // Only the tcp6 file: the rows are the ::ffff:127.0.0.1 ones, matched by IPv4 socket addresses.
        slowReader(new InetSocketAddress(0), InetAddress.getByName("127.0.0.1"), only6);
    }

    @Test
    @SuppressWarnings("try") // the client closes first on purpose, inside its try block
    void ackWatcherTimesOutOnAStalledReaderAndAcksOnceItReads() throws Exception {
        try (AckWatcher watcher = AckWatcher.builder().build();
             ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
             Socket client = new Socket()) {
            server.setSoTimeout(TIMEOUT_MS);
            client.setReceiveBufferSize(16 * 1024);
            client.setSoTimeout(TIMEOUT_MS);
            client.connect(server.getLocalSocketAddress(), TIMEOUT_MS);
            Socket accepted = server.accept();
            InetSocketAddress local = (InetSocketAddress) accepted.getLocalSocketAddress();
            InetSocketAddress remote = (InetSocketAddress) accepted.getRemoteSocketAddress();
            CompletableFuture<Void> writer = writeInBackground(accepted, BYTES);
            await().atMost(DEADLINE).until(() -> TcpTable.system().snapshot().txQueue(local, remote).orElse(0) > 0);

            AtomicReference<String> first = new AtomicReference<>();
            watcher.watch(local, remote, Duration.ofMillis(100), (r, p) -> first.set(r + ":" + (p > 0)));
            await().atMost(DEADLINE).until(() -> first.get() != null);
            assertThat(first.get()).isEqualTo("TIMEOUT:true");

            assertThat(readFully(client.getInputStream())).isEqualTo(BYTES);
            writer.get(TIMEOUT_MS, TimeUnit.MILLISECONDS);
            AtomicReference<String> second = new AtomicReference<>();
            watcher.watch(local, remote, DEADLINE, (r, p) -> second.set(r + ":" + p));
            await().atMost(DEADLINE).until(() -> second.get() != null);
            assertThat(second.get()).isEqualTo("ACKED:0");

            // Client closes first, server follows: the server's row leaves the table (the client keeps TIME_WAIT).
            client.close();
            accepted.setSoTimeout(TIMEOUT_MS);
            assertThat(accepted.getInputStream().read()).isEqualTo(-1);
            accepted.close();
            await().atMost(DEADLINE).until(() -> TcpTable.system().snapshot().entry(local, remote).isEmpty());
            AtomicReference<String> third = new AtomicReference<>();
            watcher.watch(local, remote, DEADLINE, (r, p) -> third.set(r + ":" + p));
            await().atMost(DEADLINE).until(() -> third.get() != null);
            assertThat(third.get()).isEqualTo("GONE:-1");
            assertThat(watcher.scans()).isGreaterThanOrEqualTo(3);
        }
    }

    /** Server writes 4 MB to a client that does not read; then the client reads it all. */
    private static void slowReader(InetSocketAddress bind, InetAddress connectTo, TcpTable table) throws Exception {
        try (ServerSocket server = new ServerSocket()) {
            server.bind(bind, 1);
            server.setSoTimeout(TIMEOUT_MS);
            try (Socket client = new Socket()) {
                client.setReceiveBufferSize(16 * 1024);
                client.setSoTimeout(TIMEOUT_MS);
                client.connect(new InetSocketAddress(connectTo, server.getLocalPort()), TIMEOUT_MS);
                try (Socket accepted = server.accept()) {
                    InetSocketAddress sLocal = (InetSocketAddress) accepted.getLocalSocketAddress();
                    InetSocketAddress sRemote = (InetSocketAddress) accepted.getRemoteSocketAddress();
                    InetSocketAddress cLocal = (InetSocketAddress) client.getLocalSocketAddress();
                    InetSocketAddress cRemote = (InetSocketAddress) client.getRemoteSocketAddress();
                    CompletableFuture<Void> writer = writeInBackground(accepted, BYTES);

                    TcpSnapshot stalled = awaitSnapshot(table, t -> t.txQueue(sLocal, sRemote).orElse(0) > 0
                            && t.rxQueue(cLocal, cRemote).orElse(0) > 0);
                    assertThat(stalled.entry(sLocal, sRemote)).hasValueSatisfying(e -> {
                        assertThat(e.state()).isEqualTo(TcpState.ESTABLISHED);
                        assertThat(e.inode()).isPositive();
                    });
                    assertThat(writer).isNotDone();

                    assertThat(readFully(client.getInputStream())).isEqualTo(BYTES);
                    writer.get(TIMEOUT_MS, TimeUnit.MILLISECONDS);

                    TcpSnapshot drained = awaitSnapshot(table, t -> t.txQueue(sLocal, sRemote).orElse(-1) == 0);
                    assertThat(drained.txQueue(sLocal, sRemote)).hasValue(0);
                    assertThat(drained.rxQueue(cLocal, cRemote)).hasValue(0);
                }
            }
        }
    }

    /** Polls the table (one read per poll: reads are slow on a busy host) and returns the snapshot that matched. */
    private static TcpSnapshot awaitSnapshot(TcpTable table, Predicate<TcpSnapshot> condition) {
        AtomicReference<TcpSnapshot> last = new AtomicReference<>();
        await().atMost(DEADLINE).until(() -> {
            last.set(table.snapshot());
            return condition.test(last.get());
        });
        return last.get();
    }

    private static CompletableFuture<Void> writeInBackground(Socket s, int bytes) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        Thread t = new Thread(() -> {
            try {
                OutputStream out = s.getOutputStream();
                byte[] chunk = new byte[64 * 1024];
                for (int sent = 0; sent < bytes; sent += chunk.length) {
                    out.write(chunk, 0, Math.min(chunk.length, bytes - sent));
                }
                out.flush();
                done.complete(null);
            } catch (IOException | RuntimeException e) {
                done.completeExceptionally(e);
            }
        }, "test-slow-reader-writer");
        t.setDaemon(true);
        t.start();
        return done;
    }

    /** Reads exactly {@link #BYTES} bytes (the writer does not close). */
    private static long readFully(InputStream in) throws IOException {
        byte[] buf = new byte[64 * 1024];
        long total = 0;
        while (total < BYTES) {
            int n = in.read(buf, 0, (int) Math.min(buf.length, BYTES - total));
            if (n < 0) {
                break;
            }
            total += n;
        }
        return total;
    }

    private static boolean canBind(InetSocketAddress a) {
        try (ServerSocket s = new ServerSocket()) {
            s.bind(a);
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
