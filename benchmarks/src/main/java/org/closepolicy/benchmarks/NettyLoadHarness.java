package org.closepolicy.benchmarks;

import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpServerKeepAliveHandler;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;
import org.closepolicy.ClosePolicies;
import org.closepolicy.ClosePolicy;
import org.closepolicy.netty.NettyClosePolicy;
import org.closepolicy.testkit.DeterministicBytes;
import org.closepolicy.testkit.LoadResult;
import org.closepolicy.testkit.LoadRunner;
import org.closepolicy.testkit.RawHttpClient;
import org.closepolicy.testkit.TimeWaitCounter;

/**
 * Netty load harness: the same run compares
 * <ul>
 *   <li>keep-alive throughput of the 1.9 KB response with the close-policy handler ({@code keep-alive} preset)
 *       against bare Netty with {@code HttpServerKeepAliveHandler};</li>
 *   <li>new-connection-per-request ({@code Connection: close}) conn/s and TIME_WAIT per side for stock Netty
 *       (keep-alive handler closes), {@code server-fin}, {@code client-first} and {@code safe-reset}.</li>
 * </ul>
 * Configurations alternate round by round, in a rotating order, so that background load hits them alike; each round
 * also sums the CPU time of the server's event loops per request. Prints both tables; no assertion.
 * <pre>
 * java -Dperf.rounds=5 -Dperf.connections=2000 -cp benchmarks/target/benchmarks.jar \
 *     org.closepolicy.benchmarks.NettyLoadHarness [keep-alive|new-connections]
 * </pre>
 * Knobs: {@code -Dperf.transport=NIO|EPOLL}, {@code -Dperf.rounds} (3), {@code -Dperf.seconds} per keep-alive round
 * (3), {@code -Dperf.connections} per new-connection round (3,000). Without an argument both workloads run.
 *
 * <p>Thread-safety: a program; one run at a time.
 */
public final class NettyLoadHarness {

    private static final NettyBenchServer.Transport TRANSPORT =
            NettyBenchServer.Transport.valueOf(System.getProperty("perf.transport", "NIO"));
    private static final int ROUNDS = Integer.getInteger("perf.rounds", 3);
    private static final int SECONDS = Integer.getInteger("perf.seconds", 3);
    private static final int CONNECTIONS = Integer.getInteger("perf.connections", 3_000);
    private static final int CLIENT_THREADS = 8;
    private static final int SMALL = 1_900;
    private static final int WARM_UP_CONNECTIONS = 300;

    private NettyLoadHarness() {
    }

    public static void main(String[] args) throws Exception {
        String which = args.length == 0 ? "all" : args[0];
        switch (which) {
            case "all" -> {
                keepAliveThroughputWithHandlerVersusBareNetty();
                newConnectionPerRequestRates();
            }
            case "keep-alive" -> keepAliveThroughputWithHandlerVersusBareNetty();
            case "new-connections" -> newConnectionPerRequestRates();
            default -> {
                System.err.println("unknown workload '" + which + "': expected keep-alive, new-connections or nothing (both)");
                System.exit(2);
            }
        }
    }

    private static Consumer<ChannelPipeline> stockNetty() {
        return p -> p.addLast(new HttpServerCodec(), new HttpServerKeepAliveHandler(), new HttpObjectAggregator(1 << 20),
                new NettyBenchServer.FixedBody(SMALL));
    }

    private static Consumer<ChannelPipeline> withPolicy(NettyClosePolicy cp) {
        return p -> {
            p.addLast(new HttpServerCodec());
            cp.installHttp(p);
            p.addLast(new HttpObjectAggregator(1 << 20), new NettyBenchServer.FixedBody(SMALL));
        };
    }

    static void keepAliveThroughputWithHandlerVersusBareNetty() throws Exception {
        Map<String, Consumer<ChannelPipeline>> configs = new LinkedHashMap<>();
        configs.put("bare Netty + HttpServerKeepAliveHandler", stockNetty());
        configs.put("closepolicy keep-alive preset", withPolicy(NettyClosePolicy.builder(ClosePolicies.keepAlive()).build()));
        Map<String, List<Double>> rates = new LinkedHashMap<>();
        Map<String, List<Double>> cpu = new LinkedHashMap<>();
        List<NettyBenchServer> servers = new ArrayList<>();
        try {
            int i = 0;
            for (Map.Entry<String, Consumer<ChannelPipeline>> c : configs.entrySet()) {
                servers.add(NettyBenchServer.start(TRANSPORT, "srv" + i++, c.getValue()));
                rates.put(c.getKey(), new ArrayList<>());
                cpu.put(c.getKey(), new ArrayList<>());
            }
            for (NettyBenchServer s : servers) {
                keepAliveRun(s.address(), 1); // warm-up
            }
            List<String> names = new ArrayList<>(configs.keySet());
            for (int round = 0; round < ROUNDS; round++) {
                for (int k = 0; k < names.size(); k++) {
                    int j = (k + round) % names.size(); // rotate the order so no configuration always goes first
                    long cpu0 = cpuNanos("srv" + j);
                    KeepAliveLoad.Result r = keepAliveRun(servers.get(j).address(), SECONDS);
                    rates.get(names.get(j)).add(r.requestsPerSecond());
                    cpu.get(names.get(j)).add((cpuNanos("srv" + j) - cpu0) / 1_000.0 / Math.max(1, r.requests()));
                }
            }
        } finally {
            servers.forEach(NettyBenchServer::close);
        }
        StringBuilder sb = new StringBuilder("keep-alive throughput, " + TRANSPORT + ", " + CLIENT_THREADS + " client connections, "
                + ROUNDS + " x " + SECONDS + " s rounds, " + Instant.now() + "\n");
        double base = median(rates.get("bare Netty + HttpServerKeepAliveHandler"));
        double baseCpu = median(cpu.get("bare Netty + HttpServerKeepAliveHandler"));
        for (Map.Entry<String, List<Double>> e : rates.entrySet()) {
            double m = median(e.getValue());
            double c = median(cpu.get(e.getKey()));
            sb.append(String.format(Locale.ROOT, "  %-42s median %,9.0f req/s  ratio %.3f  server CPU %.2f us/req (ratio %.3f)"
                    + "  rounds %s  cpu rounds %s%n", e.getKey(), m, m / base, c, c / baseCpu, format(e.getValue()),
                    format2(cpu.get(e.getKey()))));
        }
        System.out.println(sb);
    }

    static void newConnectionPerRequestRates() {
        Map<String, Consumer<ChannelPipeline>> configs = new LinkedHashMap<>();
        configs.put("stock Netty (keep-alive handler closes)", stockNetty());
        for (String spec : new String[] {"server-fin", "client-first", "safe-reset"}) {
            configs.put(spec, withPolicy(NettyClosePolicy.builder(ClosePolicy.parse(spec)).build()));
        }
        Map<String, List<Double>> rates = new LinkedHashMap<>();
        Map<String, List<Double>> cpu = new LinkedHashMap<>();
        Map<String, Integer> errors = new LinkedHashMap<>();
        List<NettyBenchServer> servers = new ArrayList<>();
        StringBuilder sb = new StringBuilder("new connection per request (Connection: close), " + TRANSPORT + ", concurrency "
                + CLIENT_THREADS + ", " + ROUNDS + " rounds x " + CONNECTIONS + " connections, " + Instant.now() + "\n");
        try {
            int i = 0;
            for (Map.Entry<String, Consumer<ChannelPipeline>> c : configs.entrySet()) {
                servers.add(NettyBenchServer.start(TRANSPORT, "srv" + i++, c.getValue()));
                rates.put(c.getKey(), new ArrayList<>());
                cpu.put(c.getKey(), new ArrayList<>());
                errors.put(c.getKey(), 0);
            }
            for (NettyBenchServer s : servers) {
                connectionRun(s.address(), WARM_UP_CONNECTIONS);
            }
            List<String> names = new ArrayList<>(configs.keySet());
            for (int round = 0; round < ROUNDS; round++) {
                for (int k = 0; k < names.size(); k++) {
                    int j = (k + round) % names.size();
                    long cpu0 = cpuNanos("srv" + j);
                    LoadResult r = connectionRun(servers.get(j).address(), CONNECTIONS);
                    cpu.get(names.get(j)).add((cpuNanos("srv" + j) - cpu0) / 1_000.0 / CONNECTIONS);
                    rates.get(names.get(j)).add(r.requestsPerSecond());
                    errors.merge(names.get(j), r.errors(), Integer::sum);
                }
            }
            double base = median(rates.get("server-fin"));
            double baseCpu = median(cpu.get("server-fin"));
            int total = ROUNDS * CONNECTIONS + WARM_UP_CONNECTIONS;
            i = 0;
            for (String name : configs.keySet()) {
                TimeWaitCounter.Counts tw = TimeWaitCounter.count(servers.get(i++).port());
                double m = median(rates.get(name));
                double c = median(cpu.get(name));
                sb.append(String.format(Locale.ROOT, "  %-42s median %,8.0f conn/s  ratio to server-fin %.3f  server CPU %.1f us/conn"
                        + " (ratio %.3f)  server TW %,6d  client TW %,6d  of %,d  errors %d  rounds %s  cpu rounds %s%n", name, m,
                        m / base, c, c / baseCpu, tw.serverSide(), tw.clientSide(), total, errors.get(name), format(rates.get(name)),
                        format2(cpu.get(name))));
            }
        } finally {
            servers.forEach(NettyBenchServer::close);
        }
        System.out.println(sb);
    }

    private static LoadResult connectionRun(InetSocketAddress target, int n) {
        RawHttpClient curl = RawHttpClient.builder(target).path("/weather.xml").connectionClose(true).build();
        return LoadRunner.builder(curl).requests(n).concurrency(CLIENT_THREADS).deadline(Duration.ofSeconds(300))
                .expectSha256(DeterministicBytes.sha256Hex(SMALL)).build().run();
    }

    /** Persistent connections, one request at a time each; reconnects when the server retires a connection. */
    private static KeepAliveLoad.Result keepAliveRun(InetSocketAddress target, int seconds) throws InterruptedException {
        return KeepAliveLoad.run(target, "/weather.xml", CLIENT_THREADS, Duration.ofSeconds(seconds));
    }

    /** CPU time of the live threads whose names start with {@code prefix} (a server's event loops). */
    private static long cpuNanos(String prefix) {
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        long sum = 0;
        for (ThreadInfo t : mx.getThreadInfo(mx.getAllThreadIds())) {
            if (t != null && t.getThreadName().startsWith(prefix + "-")) {
                sum += Math.max(0, mx.getThreadCpuTime(t.getThreadId()));
            }
        }
        return sum;
    }

    private static double median(List<Double> xs) {
        List<Double> s = new ArrayList<>(xs);
        s.sort(Double::compare);
        int n = s.size();
        return n % 2 == 1 ? s.get(n / 2) : (s.get(n / 2 - 1) + s.get(n / 2)) / 2;
    }

    private static String format2(List<Double> xs) {
        StringBuilder sb = new StringBuilder("[");
        for (double x : xs) {
            sb.append(sb.length() > 1 ? ", " : "").append(String.format(Locale.ROOT, "%.1f", x));
        }
        return sb.append(']').toString();
    }

    private static String format(List<Double> xs) {
        StringBuilder sb = new StringBuilder("[");
        for (double x : xs) {
            sb.append(sb.length() > 1 ? ", " : "").append(String.format(Locale.ROOT, "%.0f", x));
        }
        return sb.append(']').toString();
    }
}
