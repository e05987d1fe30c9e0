package org.closepolicy.benchmarks;

import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.closepolicy.kernel.TcpSnapshot;
import org.closepolicy.kernel.TcpState;
import org.closepolicy.kernel.TcpTable;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Parsing a kernel TCP table of {@code rows} rows (the text of {@code /proc/net/tcp6}, generated in
 * the kernel's format, half of it TIME_WAIT) and counting one port's TIME_WAIT: what the
 * {@code TimeWaitSampler} and the {@code AckWatcher} pay per read, on top of the kernel rendering the
 * file. It must stay cheap enough to run once a second.
 *
 * <p>Thread-safety: JMH state, one per thread.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class TcpTableBenchmark {

    @Param({"2000", "20000"})
    public int rows;

    private String tcp6;

    @Setup
    public void setUp() {
        StringBuilder sb = new StringBuilder(rows * 160);
        sb.append("  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n");
        for (int i = 0; i < rows; i++) {
            int clientPort = 32768 + (i % 28000);
            String state = i % 2 == 0 ? "06" : "01";
            // ::ffff:127.0.0.1, as the kernel prints IPv4-mapped addresses of dual-stack sockets.
            sb.append(String.format(Locale.ROOT,
                    "%4d: 0000000000000000FFFF00000100007F:1F90 0000000000000000FFFF00000100007F:%04X %s 00000000:00000000 00:00000000 00000000     0        0 %d 1 0000000000000000 20 4 30 10 -1\n",
                    i, clientPort, state, 100000 + i));
        }
        tcp6 = sb.toString();
    }

    @Benchmark
    public int parseAndCountTimeWait() {
        TcpSnapshot s = TcpTable.parse("", tcp6);
        return s.countLocalPort(TcpState.TIME_WAIT, 8080);
    }
}
