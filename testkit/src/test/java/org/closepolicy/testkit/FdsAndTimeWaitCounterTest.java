package org.closepolicy.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import org.closepolicy.kernel.TcpState;
import org.closepolicy.kernel.TcpTable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FdsAndTimeWaitCounterTest {

    private static final Duration DEADLINE = Duration.ofSeconds(10);

    @Test
    void countsOpenDescriptorsAndTheirRelease() throws IOException {
        assumeThat(Fds.supported()).isTrue();
        // Other threads of this JVM may open or close a few descriptors meanwhile: compare with margins.
        int before = Fds.openCount();
        List<ServerSocket> open = new ArrayList<>();
        int peak;
        try {
            for (int i = 0; i < 50; i++) {
                open.add(new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1")));
            }
            peak = Fds.openCount();
        } finally {
            for (ServerSocket s : open) {
                s.close();
            }
        }
        assertThat(peak).isGreaterThanOrEqualTo(before + 40);
        assertThat(Fds.awaitAtMost(before + 10, DEADLINE)).isLessThanOrEqualTo(before + 10);
    }

    @Test
    @SuppressWarnings("try") // the client closes first on purpose, inside its try block
    void countsTimeWaitOnTheSideThatClosedFirst() throws IOException {
        try (ServerSocket server = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"))) {
            server.setSoTimeout(10_000);
            int port = server.getLocalPort();
            // A fresh listener port may still appear in old TIME_WAIT rows (as a former client port): count from a baseline.
            TimeWaitCounter.Counts base = TimeWaitCounter.count(port);
            assumeThat(base.serverSide()).as("kernel TCP table readable").isNotNegative();
            assertThat(base.clientSide()).isNotNegative();
            for (int i = 0; i < 10; i++) {
                try (Socket c = new Socket()) {
                    c.setSoTimeout(10_000);
                    c.connect(server.getLocalSocketAddress(), 10_000);
                    Socket a = server.accept();
                    if (i % 2 == 0) {
                        a.close(); // server first
                        assertThat(c.getInputStream().read()).isEqualTo(-1);
                    } else {
                        c.close(); // client first
                        a.setSoTimeout(10_000);
                        assertThat(a.getInputStream().read()).isEqualTo(-1);
                        a.close();
                    }
                }
            }

            // One table read per poll: the read costs milliseconds to seconds on a busy host.
            AtomicReference<TimeWaitCounter.Counts> last = new AtomicReference<>(base);
            await().atMost(DEADLINE).until(() -> {
                last.set(TimeWaitCounter.count(port));
                return last.get().serverSide() >= base.serverSide() + 5 && last.get().clientSide() >= base.clientSide() + 5;
            });
            assertThat(last.get().serverSide()).isGreaterThanOrEqualTo(base.serverSide() + 5);
            assertThat(last.get().clientSide()).isGreaterThanOrEqualTo(base.clientSide() + 5);
        }
    }

    @Test
    void sinceLeavesOutTheRowsOfAnEarlierServerOnTheSamePort() throws IOException {
        assumeThat(TimeWaitCounter.supported()).as("kernel TCP table readable").isTrue();
        InetAddress loopback = InetAddress.getByName("127.0.0.1");
        int port;
        // An earlier server whose clients closed first: their TIME_WAIT rows name the port as the remote one.
        try (ServerSocket earlier = new ServerSocket(0, 50, loopback)) {
            earlier.setSoTimeout(10_000);
            port = earlier.getLocalPort();
            for (int i = 0; i < 5; i++) {
                clientClosesFirst(earlier);
            }
        }
        await().atMost(DEADLINE).until(() -> TimeWaitCounter.count(port).clientSide() >= 5);

        // The kernel may give the same port to the next server (SO_REUSEADDR): here it is asked for it.
        try (ServerSocket next = new ServerSocket()) {
            next.setReuseAddress(true);
            next.bind(new java.net.InetSocketAddress(loopback, port), 50);
            next.setSoTimeout(10_000);
            TimeWaitCounter.Since since = TimeWaitCounter.since(port);
            assertThat(since.earlierRows()).isGreaterThanOrEqualTo(5);
            assertThat(TimeWaitCounter.count(port).clientSide()).as("counted by port alone").isGreaterThanOrEqualTo(5);
            assertThat(since.count().clientSide()).as("the next server has no client TIME_WAIT of its own yet").isZero();

            clientClosesFirst(next);
            await().atMost(DEADLINE).until(() -> since.count().clientSide() == 1);
            assertThat(since.count().serverSide()).isZero();
        }
    }

    @Test
    void aRowTheKernelWroteTwiceCountsOnce(@TempDir Path dir) throws IOException {
        // /proc/net/tcp as a read that resumed inside a busy hash bucket writes it: one TIME_WAIT row twice.
        String header = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n";
        String server = "   0: 0100007F:1F90 0100007F:C350 06 00000000:00000000 03:00000F7A 00000000     0        0 0 3 0000000000000000\n";
        String client = "   1: 0100007F:C351 0100007F:1F90 06 00000000:00000000 03:00000F7A 00000000     0        0 0 3 0000000000000000\n";
        Path tcp = dir.resolve("tcp");
        Files.writeString(tcp, header + server + client + server + client + client);
        TcpTable table = TcpTable.of(tcp, null);
        assertThat(table.snapshot().countLocalPort(TcpState.TIME_WAIT, 8080)).as("the snapshot counts each socket once").isEqualTo(1);
        assertThat(table.snapshot().repeatedRows()).as("rows read again").isEqualTo(3);

        assertThat(TimeWaitCounter.count(table.snapshot(), 8080, Set.of())).isEqualTo(new TimeWaitCounter.Counts(1, 1));
        Files.writeString(tcp, header);
        TimeWaitCounter.Since since = TimeWaitCounter.since(table, 8080);
        Files.writeString(tcp, header + client + server + client);
        assertThat(since.count()).isEqualTo(new TimeWaitCounter.Counts(1, 1));
    }

    private static void clientClosesFirst(ServerSocket server) throws IOException {
        try (Socket c = new Socket()) {
            c.connect(server.getLocalSocketAddress(), 10_000);
            try (Socket a = server.accept()) {
                c.close();
                a.setSoTimeout(10_000);
                assertThat(a.getInputStream().read()).isEqualTo(-1);
            }
        }
    }
}
