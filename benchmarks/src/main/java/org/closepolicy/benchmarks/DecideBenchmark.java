package org.closepolicy.benchmarks;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.concurrent.TimeUnit;
import org.closepolicy.ClosePolicies;
import org.closepolicy.ClosePolicy;
import org.closepolicy.Decision;
import org.closepolicy.HttpVersion;
import org.closepolicy.Protocol;
import org.closepolicy.spi.ConnectionRecord;
import org.closepolicy.spi.LoadMonitor;
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
import org.openjdk.jmh.annotations.Warmup;

/**
 * {@code decide} on the hot path: what an adapter pays after every response. The connection is a
 * preallocated {@link ConnectionRecord} with an IPv4 peer, as adapters keep one per connection.
 *
 * <ul>
 *   <li>{@code keep-alive}: a preset that goes through every reuse check and keeps the connection;</li>
 *   <li>{@code client-first}: a preset that retires after one request;</li>
 *   <li>{@code rules-fall-through}: three rules (CIDR, protocol, load) that all miss, then the defaults;</li>
 *   <li>{@code rules-match-last}: the same rules, the load rule (the last) matches.</li>
 * </ul>
 * Run with {@code -prof gc} to see the allocation per decision (expected: none). Any other policy
 * can be measured by passing its spec text, entries separated by semicolons:
 * {@code -p policy='safe-reset;close.client-wait=1s'}.
 *
 * <p>Thread-safety: JMH state, one per thread.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class DecideBenchmark {

    /** Three rules: an address block, a protocol, a load threshold; the view never matches the first two. */
    static final String RULES = "keep-alive, "
            + "rule.lan.when.cidr=10.0.0.0/8|fd00::/8, rule.lan.reuse.max-requests=unlimited, "
            + "rule.raw.when.protocol=tcp, rule.raw.close.first=server, "
            + "rule.busy.when.min-server-time-wait=10000, rule.busy.preset=safe-reset";

    @Param({"keep-alive", "client-first", "rules-fall-through", "rules-match-last"})
    public String policy;

    private ClosePolicy decider;
    private ConnectionRecord connection;
    private long now;
    private volatile long serverTimeWait;

    @Setup(Level.Trial)
    public void setUp() throws UnknownHostException {
        switch (policy) {
            case "keep-alive":
                decider = ClosePolicies.keepAlive();
                break;
            case "client-first":
                decider = ClosePolicies.clientFirst();
                break;
            case "rules-fall-through":
            case "rules-match-last":
                decider = ClosePolicy.parse(RULES);
                break;
            default:
                // Any spec text, entries separated by ';' (JMH splits parameter lists at commas).
                decider = ClosePolicy.parse(policy);
        }
        serverTimeWait = policy.equals("rules-match-last") ? 50_000 : 0;
        LoadMonitor load = new LoadMonitor(() -> serverTimeWait);
        InetSocketAddress remote = new InetSocketAddress(InetAddress.getByAddress(new byte[] {(byte) 192, 0, 2, 10}), 40_000);
        InetSocketAddress local = new InetSocketAddress(InetAddress.getByAddress(new byte[] {(byte) 192, 0, 2, 1}), 8080);
        now = 1_000_000_000_000L;
        connection = new ConnectionRecord(Protocol.HTTP1, remote, local, now - 5_000_000_000L, load);
        connection.onRequest(HttpVersion.HTTP_1_1, false, now);
        connection.onResponse(false, false, now);
        Decision check = decider.decide(connection, now);
        boolean named = !policy.contains("=");
        boolean expectRetire = !policy.equals("keep-alive") && !policy.equals("rules-fall-through");
        if (named && check.retires() != expectRetire) {
            throw new IllegalStateException(policy + " decided " + check);
        }
    }

    @Benchmark
    public Decision decide() {
        return decider.decide(connection, now);
    }
}
