package org.closepolicy.examples;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.closepolicy.ClosePolicies;
import org.closepolicy.Preset;
import org.closepolicy.StandardClosePolicy;
import org.closepolicy.kernel.TcpSnapshot;
import org.closepolicy.kernel.TcpState;
import org.closepolicy.kernel.TcpTable;
import org.closepolicy.testkit.TimeWaitCounter;

/**
 * A deploy on one port, the way {@code serve --reuse-port} does it by hand: server A serves, server B binds the
 * same port with SO_REUSEPORT, client families keep requesting, then A stops (closes its listener, drains the
 * policy's way or runs the bare framework's graceful stop, stops) and B serves everyone. What each family saw and
 * what the kernel kept make one {@link DeployRow}.
 *
 * <p>Thread-safety: one instance per demo run; not shared.
 *
 * @param before    how long the clients run against A and B before A stops
 * @param after     how long they run against B alone afterwards
 * @param drain     A's stop bound
 * @param threads   threads per client family
 * @param thinkMax  the longest pause between two requests of the pooled families
 * @param transport Netty's transport
 */
record DeployScenario(Duration before, Duration after, Duration drain, int threads, Duration thinkMax, TransportKind transport) {

    /** The bare framework's graceful stop, for comparison. */
    static final String NONE = PolicyArg.NONE;

    private static final Duration B_STOP = Duration.ofSeconds(1);

    /** The client families of every row, in table order. */
    List<DeployClients> families() {
        return List.of(
                new RawPoolClients("raw pool, always in flight", Duration.ZERO),
                new RawPoolClients("raw pool, idle between requests", thinkMax),
                new JdkHttpClients(thinkMax));
    }

    /** Runs one row: {@code policy} is a preset's spec name or {@link #NONE}. */
    DeployRow run(ServerKind kind, String policy) throws Exception {
        StandardClosePolicy p = NONE.equals(policy) ? null : ClosePolicies.of(Preset.fromSpecName(policy));
        ExampleServer a = ExampleServers.start(new ServerConfig(kind, "127.0.0.1", 0, p, policy, transport, drain, true));
        int port = a.port();
        TimeWaitCounter.Since tw = TimeWaitCounter.since(port);
        // B's own stop is not measured: a short bound keeps the row short (the JDK client's pooled connections stay open).
        try (ExampleServer b = ExampleServers.start(new ServerConfig(kind, "127.0.0.1", port, p, policy, transport, B_STOP, true))) {
            List<DeployClients> families = families();
            InetSocketAddress target = new InetSocketAddress("127.0.0.1", port);
            for (DeployClients f : families) {
                f.start(target, threads);
            }
            pause(before);
            long t0 = System.nanoTime();
            a.stop(drain);
            long stopMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
            settle(port);
            TimeWaitCounter.Counts kept = tw.count();
            pause(after);
            Map<String, DeployFailures.Counts> counts = new LinkedHashMap<>();
            for (DeployClients f : families) {
                counts.put(f.name(), f.stop(thinkMax.plusSeconds(10)));
            }
            return new DeployRow(kind, policy, counts, kept.serverSide(), kept.clientSide(), stopMillis, a.drainReport());
        } finally {
            a.stop(Duration.ZERO);
        }
    }

    /** Unmeasured load on a throwaway server, so the JIT has compiled the paths before the first row. */
    void warmUp(ServerKind kind, Duration time) throws Exception {
        if (time.isZero()) {
            return;
        }
        try (ExampleServer s = ExampleServers.start(new ServerConfig(kind, "127.0.0.1", 0, ClosePolicies.keepAlive(), "keep-alive",
                transport, Duration.ofSeconds(1)))) {
            DeployClients c = new RawPoolClients("warm-up", Duration.ZERO);
            c.start(new InetSocketAddress("127.0.0.1", s.port()), threads);
            pause(time);
            c.stop(Duration.ofSeconds(10));
        }
    }

    /** The value of {@code net.ipv4.tcp_migrate_req} in this run, as the table's note says it. */
    static String migrateReqLine() {
        return Handover.migrateReq()
                .map(v -> "net.ipv4.tcp_migrate_req=" + v + ("1".equals(v)
                        ? ": the kernel moves A's accept queue to B when A's listener closes."
                        : ": connections still in A's accept queue when its listener closes are reset (they fail as reset before)."))
                .orElse("net.ipv4.tcp_migrate_req: not available here (Linux 5.14+); A's accept queue is reset when its listener closes.");
    }

    /** Waits (bounded) until no socket of the port is half-closed, so the TIME_WAIT of A's closes exist. */
    private static void settle(int port) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
        while (System.nanoTime() < deadline && closing(TcpTable.system().snapshot(), port) > 0) {
            Thread.sleep(20); // polling the kernel's table; nothing to be notified by
        }
    }

    private static long closing(TcpSnapshot s, int port) {
        long n = 0;
        for (TcpState st : List.of(TcpState.FIN_WAIT1, TcpState.FIN_WAIT2, TcpState.CLOSING, TcpState.LAST_ACK)) {
            n += s.countLocalPort(st, port) + s.countRemotePort(st, port);
        }
        return n;
    }

    private static void pause(Duration d) throws InterruptedException {
        Thread.sleep(d.toMillis()); // the clients run meanwhile: this is the length of a phase, not a synchronisation
    }
}
