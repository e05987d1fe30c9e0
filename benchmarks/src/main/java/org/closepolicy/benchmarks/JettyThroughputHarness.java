package org.closepolicy.benchmarks;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import org.closepolicy.ClosePolicies;
import org.closepolicy.ClosePolicy;
import org.closepolicy.jetty.ClosePolicyConnector;
import org.closepolicy.jetty.JettyClosePolicy;
import org.closepolicy.kernel.AckWatcher;
import org.closepolicy.testkit.LoadResult;
import org.closepolicy.testkit.LoadRunner;
import org.closepolicy.testkit.RawHttpClient;
import org.closepolicy.testkit.Sha256;
import org.closepolicy.testkit.TimeWaitCounter;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/**
 * The cost of the adapter, measured against bare Jetty in the same run: keep-alive throughput with
 * the customizer (and with the whole connector), and connections per second of the seed workload
 * (one request per connection, curl-like clients) for server-fin, client-first and safe-reset, with
 * the TIME_WAIT each leaves. Configurations alternate over rounds; the median round counts.
 *
 * <p>Besides req/s and conn/s, each round sums the CPU time of the server's threads (Jetty's pool,
 * its scheduler, the ack watcher) and divides it by the requests served: on a shared machine this
 * moves far less than throughput.
 *
 * <pre>
 * java -Dperf.rounds=7 -Dperf.keepAliveSeconds=3 -Dperf.connections=3000 -cp benchmarks/target/benchmarks.jar \
 *     org.closepolicy.benchmarks.JettyThroughputHarness
 * </pre>
 * Knobs (system properties): {@code perf.rounds} (3), {@code perf.keepAliveSeconds} (5), {@code perf.keepAliveConnections}
 * (8), {@code perf.connections} (5,000), {@code perf.concurrency} (8), {@code perf.warmupSeconds} (5), {@code perf.slices}
 * (30), {@code perf.out} (where the tables are written, {@code target/benchmarks-jetty.md}). No assertion: numbers on a
 * shared machine move.
 *
 * <p>Thread-safety: a program; one run at a time.
 */
public final class JettyThroughputHarness {

    static final int ROUNDS = Integer.getInteger("perf.rounds", 3);
    static final Duration KEEP_ALIVE_TIME = Duration.ofSeconds(Long.getLong("perf.keepAliveSeconds", 5));
    static final int KEEP_ALIVE_CONNECTIONS = Integer.getInteger("perf.keepAliveConnections", 8);
    static final int CONNECTIONS = Integer.getInteger("perf.connections", 5_000);
    static final int CONCURRENCY = Integer.getInteger("perf.concurrency", 8);
    static final Duration WARM_UP = Duration.ofSeconds(Long.getLong("perf.warmupSeconds", 5));
    static final int SLICES = Integer.getInteger("perf.slices", 30);
    static final Path OUT = Path.of(System.getProperty("perf.out", "target/benchmarks-jetty.md"));

    private JettyThroughputHarness() {
    }

    /** A started server and how to stop it. */
    record Running(Server server, int port) implements AutoCloseable {
        @Override
        public void close() throws Exception {
            server.stop();
        }
    }

    static Running bare(Function<HttpConfiguration, HttpConfiguration> config) throws Exception {
        Server server = new Server(pool());
        ServerConnector c = new ServerConnector(server, 1, 1, new HttpConnectionFactory(config.apply(new HttpConfiguration())));
        c.setHost("127.0.0.1");
        c.setAcceptQueueSize(1024);
        server.addConnector(c);
        server.setHandler(new JettyWeatherHandler());
        server.start();
        return new Running(server, c.getLocalPort());
    }

    static Running policy(ClosePolicy policy) throws Exception {
        Server server = new Server(pool());
        ClosePolicyConnector c = ClosePolicyConnector.builder(server, policy).acceptors(1).selectors(1).build();
        c.setHost("127.0.0.1");
        c.setAcceptQueueSize(1024);
        server.addConnector(c);
        server.setHandler(new JettyWeatherHandler());
        server.start();
        return new Running(server, c.getLocalPort());
    }

    private static QueuedThreadPool pool() {
        QueuedThreadPool p = new QueuedThreadPool(32, 4);
        p.setName("bench-jetty");
        return p;
    }

    interface Starter {
        Running start() throws Exception;
    }

    public static void main(String[] args) throws Exception {
        StringBuilder md = new StringBuilder();
        md.append(machine());

        Map<String, Starter> keepAlive = new LinkedHashMap<>();
        keepAlive.put("bare Jetty", () -> bare(c -> c));
        keepAlive.put("Jetty + ClosePolicyCustomizer (keep-alive)", () -> bare(c -> {
            c.addCustomizer(JettyClosePolicy.customizer(ClosePolicies.keepAlive()));
            return c;
        }));
        keepAlive.put("ClosePolicyConnector (keep-alive)", () -> policy(ClosePolicies.keepAlive()));
        Map<String, List<Double>> kaRates = new LinkedHashMap<>();
        Map<String, List<Double>> kaCpu = new LinkedHashMap<>();
        keepAlive.keySet().forEach(k -> {
            kaRates.put(k, new ArrayList<>());
            kaCpu.put(k, new ArrayList<>());
        });
        for (Map.Entry<String, Starter> e : keepAlive.entrySet()) { // warm-up
            try (Running r = e.getValue().start()) {
                KeepAliveLoad.run(new InetSocketAddress("127.0.0.1", r.port()), "/weather", KEEP_ALIVE_CONNECTIONS, WARM_UP);
            }
        }
        for (int round = 0; round < ROUNDS; round++) {
            for (Map.Entry<String, Starter> e : rotate(keepAlive, round).entrySet()) {
                try (Running r = e.getValue().start()) {
                    long cpu0 = serverCpuNanos();
                    KeepAliveLoad.Result res = KeepAliveLoad.run(new InetSocketAddress("127.0.0.1", r.port()), "/weather",
                            KEEP_ALIVE_CONNECTIONS, KEEP_ALIVE_TIME);
                    double cpu = (serverCpuNanos() - cpu0) / 1e3 / Math.max(1, res.requests());
                    kaRates.get(e.getKey()).add(res.requestsPerSecond());
                    kaCpu.get(e.getKey()).add(cpu);
                    System.out.printf(Locale.ROOT, "keep-alive round %d %-45s %,10.0f req/s %6.1f us CPU/req (%d requests, %d reconnects, %d errors)%n",
                            round, e.getKey(), res.requestsPerSecond(), cpu, res.requests(), res.reconnects(), res.errors());
                }
            }
        }
        double bareKa = median(kaRates.get("bare Jetty"));
        double bareKaCpu = median(kaCpu.get("bare Jetty"));
        md.append("\n### Keep-alive throughput (").append(KEEP_ALIVE_CONNECTIONS).append(" persistent connections, ")
                .append(KEEP_ALIVE_TIME.toSeconds()).append(" s per round, ").append(ROUNDS).append(" rounds, GET /weather 1.9 KB)\n\n")
                .append("| server | req/s per round | median req/s | vs bare Jetty | server CPU µs/req per round | median CPU µs/req | CPU vs bare |\n")
                .append("|---|---|---|---|---|---|---|\n");
        for (Map.Entry<String, List<Double>> e : kaRates.entrySet()) {
            double m = median(e.getValue());
            double c = median(kaCpu.get(e.getKey()));
            md.append(String.format(Locale.ROOT, "| %s | %s | %,.0f | %.3f× | %s | %.1f | %.3f× |%n", e.getKey(), list(e.getValue()), m,
                    m / bareKa, decimals(kaCpu.get(e.getKey())), c, c / bareKaCpu));
        }

        md.append(interleavedKeepAliveCpu());

        Map<String, Starter> seed = new LinkedHashMap<>();
        seed.put("bare Jetty", () -> bare(c -> c));
        seed.put("server-fin", () -> policy(ClosePolicies.serverFin()));
        seed.put("client-first", () -> policy(ClosePolicies.clientFirst()));
        seed.put("safe-reset", () -> policy(ClosePolicies.safeReset()));
        Map<String, List<double[]>> seedRuns = new LinkedHashMap<>();
        seed.keySet().forEach(k -> seedRuns.put(k, new ArrayList<>()));
        for (Map.Entry<String, Starter> e : seed.entrySet()) { // warm-up
            try (Running r = e.getValue().start()) {
                load(r.port(), (int) Math.min(5_000, WARM_UP.toSeconds() * 500));
            }
        }
        for (int round = 0; round < ROUNDS; round++) {
            for (Map.Entry<String, Starter> e : rotate(seed, round).entrySet()) {
                try (Running r = e.getValue().start()) {
                    long cpu0 = serverCpuNanos();
                    LoadResult res = load(r.port(), CONNECTIONS);
                    double cpu = (serverCpuNanos() - cpu0) / 1e3 / Math.max(1, res.ok());
                    TimeWaitCounter.Counts tw = TimeWaitCounter.count(r.port());
                    seedRuns.get(e.getKey()).add(new double[] {res.requestsPerSecond(), tw.serverSide(), tw.clientSide(), res.errors(), cpu});
                    System.out.printf(Locale.ROOT, "new connections round %d %-14s %,8.0f conn/s %6.1f us CPU/conn, server TW %d, client TW %d, errors %d%n",
                            round, e.getKey(), res.requestsPerSecond(), cpu, tw.serverSide(), tw.clientSide(), res.errors());
                }
            }
        }
        double serverFin = median(column(seedRuns.get("server-fin"), 0));
        double serverFinCpu = median(column(seedRuns.get("server-fin"), 4));
        md.append("\n### New connection per request (seed workload: ").append(CONNECTIONS).append(" curl-like connections with Connection: close per round, concurrency ")
                .append(CONCURRENCY).append(", ").append(ROUNDS).append(" rounds, GET /weather 1.9 KB)\n\n")
                .append("| server | conn/s per round | median conn/s | vs server-fin | median server CPU µs/conn | CPU vs server-fin |")
                .append(" server TIME_WAIT per round | client TIME_WAIT per round | errors |\n")
                .append("|---|---|---|---|---|---|---|---|---|\n");
        for (Map.Entry<String, List<double[]>> e : seedRuns.entrySet()) {
            double m = median(column(e.getValue(), 0));
            double c = median(column(e.getValue(), 4));
            md.append(String.format(Locale.ROOT, "| %s | %s | %,.0f | %.3f× | %.0f | %.3f× | %s | %s | %s |%n", e.getKey(),
                    list(column(e.getValue(), 0)), m, m / serverFin, c, c / serverFinCpu, ints(column(e.getValue(), 1)),
                    ints(column(e.getValue(), 2)), ints(column(e.getValue(), 3))));
        }
        System.out.println(md);
        Path out = OUT.toAbsolutePath();
        Files.createDirectories(out.getParent());
        Files.writeString(out, md.toString(), StandardCharsets.UTF_8);
        System.out.println("written to " + out);
    }

    /**
     * The three keep-alive servers run side by side in this JVM and take turns, one second each, for
     * {@link #SLICES} turns after five warm-up turns: background load then hits all three alike.
     */
    private static String interleavedKeepAliveCpu() throws Exception {
        String[] names = {"bare Jetty", "Jetty + ClosePolicyCustomizer (keep-alive)", "ClosePolicyConnector (keep-alive)"};
        List<List<Double>> cpu = List.of(new ArrayList<>(), new ArrayList<>(), new ArrayList<>());
        try (Running a = bare(c -> c);
             Running b = bare(c -> {
                 c.addCustomizer(JettyClosePolicy.customizer(ClosePolicies.keepAlive()));
                 return c;
             });
             Running c = policy(ClosePolicies.keepAlive())) {
            Running[] servers = {a, b, c};
            for (int turn = 0; turn < SLICES + 5; turn++) {
                for (int i = 0; i < servers.length; i++) {
                    int k = (i + turn) % servers.length;
                    long cpu0 = serverCpuNanos();
                    KeepAliveLoad.Result r = KeepAliveLoad.run(new InetSocketAddress("127.0.0.1", servers[k].port()), "/weather",
                            KEEP_ALIVE_CONNECTIONS / 2, Duration.ofSeconds(1));
                    if (turn >= 5) {
                        cpu.get(k).add((serverCpuNanos() - cpu0) / 1e3 / Math.max(1, r.requests()));
                    }
                }
            }
        }
        StringBuilder md = new StringBuilder("\n### Keep-alive server CPU, interleaved (three servers in one JVM, ")
                .append(KEEP_ALIVE_CONNECTIONS / 2).append(" connections, 1 s turns, ").append(SLICES).append(" turns each)\n\n")
                .append("| server | median CPU µs/req | mean | 25th–75th percentile | median vs bare |\n|---|---|---|---|---|\n");
        double bareMedian = median(cpu.get(0));
        for (int k = 0; k < names.length; k++) {
            List<Double> v = new ArrayList<>(cpu.get(k));
            v.sort(null);
            double mean = v.stream().mapToDouble(Double::doubleValue).average().orElse(0);
            md.append(String.format(Locale.ROOT, "| %s | %.2f | %.2f | %.1f–%.1f | %.3f× |%n", names[k], median(v), mean, v.get(v.size() / 4),
                    v.get(3 * v.size() / 4), median(v) / bareMedian));
        }
        System.out.print(md);
        return md.toString();
    }

    private static LoadResult load(int port, int n) {
        // Clients that do not keep connections alive say so, as wrk -H "Connection: close" does.
        RawHttpClient curl = RawHttpClient.builder("127.0.0.1", port).path("/weather").connectionClose(true).build();
        return LoadRunner.builder(curl).requests(n).concurrency(CONCURRENCY).deadline(Duration.ofMinutes(5))
                .expectSha256(Sha256.hex(JettyWeatherHandler.WEATHER)).build().run();
    }

    private static <V> Map<String, V> rotate(Map<String, V> m, int by) {
        List<Map.Entry<String, V>> entries = new ArrayList<>(m.entrySet());
        Map<String, V> r = new LinkedHashMap<>();
        for (int i = 0; i < entries.size(); i++) {
            Map.Entry<String, V> e = entries.get((i + by) % entries.size());
            r.put(e.getKey(), e.getValue());
        }
        return r;
    }

    private static List<Double> column(List<double[]> rows, int i) {
        List<Double> c = new ArrayList<>();
        rows.forEach(r -> c.add(r[i]));
        return c;
    }

    private static double median(List<Double> v) {
        List<Double> s = new ArrayList<>(v);
        s.sort(null);
        int n = s.size();
        return n % 2 == 1 ? s.get(n / 2) : (s.get(n / 2 - 1) + s.get(n / 2)) / 2;
    }

    private static String list(List<Double> v) {
        StringBuilder sb = new StringBuilder();
        v.forEach(d -> sb.append(sb.length() > 0 ? ", " : "").append(String.format(Locale.ROOT, "%,.0f", d)));
        return sb.toString();
    }

    private static String decimals(List<Double> v) {
        StringBuilder sb = new StringBuilder();
        v.forEach(d -> sb.append(sb.length() > 0 ? ", " : "").append(String.format(Locale.ROOT, "%.1f", d)));
        return sb.toString();
    }

    /** CPU time of the server's threads: Jetty's pool (selectors, acceptor, handlers), its scheduler, the ack watcher. */
    private static long serverCpuNanos() {
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        long sum = 0;
        for (ThreadInfo info : mx.getThreadInfo(mx.getAllThreadIds())) {
            if (info == null) {
                continue;
            }
            String name = info.getThreadName();
            if (name.startsWith("bench-jetty") || name.startsWith("Scheduler-") || name.equals(AckWatcher.THREAD_NAME)) {
                long t = mx.getThreadCpuTime(info.getThreadId());
                if (t > 0) {
                    sum += t;
                }
            }
        }
        return sum;
    }

    private static String ints(List<Double> v) {
        StringBuilder sb = new StringBuilder();
        v.forEach(d -> sb.append(sb.length() > 0 ? ", " : "").append(String.format(Locale.ROOT, "%d", d.longValue())));
        return sb.toString();
    }

    private static String machine() {
        String cpu = "unknown CPU";
        try {
            cpu = Files.readAllLines(Path.of("/proc/cpuinfo")).stream().filter(l -> l.startsWith("model name"))
                    .map(l -> l.substring(l.indexOf(':') + 1).trim()).findFirst().orElse(cpu);
        } catch (IOException | RuntimeException ignored) {
            // not Linux
        }
        String load = "";
        try {
            load = Files.readString(Path.of("/proc/loadavg")).trim();
        } catch (IOException | RuntimeException ignored) {
            // not Linux
        }
        return String.format(Locale.ROOT, "- date: %s%n- machine: %d cores, %s, %s %s%n- Java: %s %s%n- load average at start: %s%n",
                ZonedDateTime.now().withNano(0), Runtime.getRuntime().availableProcessors(), cpu, System.getProperty("os.name"),
                System.getProperty("os.version"), System.getProperty("java.vm.name"), System.getProperty("java.version"), load);
    }
}
