package org.closepolicy.benchmarks;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;
import org.closepolicy.kernel.SockDiag;
import org.closepolicy.kernel.TcpTable;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One ack check of one real loopback connection, as the {@code AckWatcher} makes it per tick: its send queue
 * read by {@code path} = {@code proc} (read and parse all of {@code /proc/net/tcp{,6}}, then look the 4-tuple
 * up) or {@code sock_diag} (one exact netlink query). The host's other sockets are not created here: run it
 * with idle connections held by another process ({@code benchmarks/ack-check-scale.sh}) to see how each path
 * grows with the table. Add {@code -prof org.closepolicy.benchmarks.ThreadCpuProfiler} for CPU per check.
 *
 * <p>Thread-safety: JMH state, one per thread.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class AckCheckBenchmark {

    @Param({"proc", "sock_diag"})
    public String path;

    private ServerSocket server;
    private Socket client;
    private Socket accepted;
    private InetSocketAddress local;
    private InetSocketAddress remote;
    private SockDiag diag;

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        InetAddress lo = InetAddress.getLoopbackAddress();
        server = new ServerSocket(0, 1, lo);
        client = new Socket(lo, server.getLocalPort());
        accepted = server.accept();
        local = (InetSocketAddress) accepted.getLocalSocketAddress();
        remote = (InetSocketAddress) accepted.getRemoteSocketAddress();
        if (path.equals("sock_diag")) {
            diag = SockDiag.open();
        } else if (!path.equals("proc")) {
            throw new IllegalArgumentException("path must be proc or sock_diag, got " + path);
        }
        // Both paths must find the connection with nothing queued, or the numbers compare different work.
        if (check() != 0) {
            throw new IllegalStateException(path + " did not find " + local + " -> " + remote + " with an empty queue");
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        if (diag != null) {
            diag.close();
        }
        client.close();
        accepted.close();
        server.close();
    }

    @Benchmark
    public long check() throws IOException {
        OptionalLong q = diag != null ? diag.sendQueue(local, remote) : TcpTable.system().snapshot().txQueue(local, remote);
        return q.orElse(-1);
    }
}
