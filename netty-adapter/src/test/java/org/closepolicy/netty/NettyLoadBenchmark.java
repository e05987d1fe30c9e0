package org.closepolicy.netty;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpServerKeepAliveHandler;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;
import org.closepolicy.ClosePolicies;
import org.closepolicy.ClosePolicy;
import org.closepolicy.testkit.DeterministicBytes;
import org.closepolicy.testkit.LoadResult;
import org.closepolicy.testkit.LoadRunner;
import org.closepolicy.testkit.RawHttpClient;
import org.closepolicy.testkit.TimeWaitCounter;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Load harness (tag {@code perf}, excluded from the default build): the same run compares
 * <ul>
 *   <li>keep-alive throughput of the 1.9 KB response with the close-policy handler ({@code keep-alive} preset)
 *       against bare Netty with {@code HttpServerKeepAliveHandler};</li>
 *   <li>new-connection-per-request ({@code Connection: close}) conn/s and TIME_WAIT per side for stock Netty
 *       (keep-alive handler closes), {@code server-fin}, {@code client-first} and {@code safe-reset}.</li>
 * </ul>
 * Configurations alternate round by round, in a rotating order, so that background load hits them alike. Run with
 * {@code -Dgroups=perf -DexcludedGroups=none -Dtest=NettyLoadBenchmark}; optional {@code -Dperf.transport=EPOLL},
 * {@code -Dperf.rounds}, {@code -Dperf.seconds}, {@code -Dperf.connections}.
 */
@Tag("perf")
class NettyLoadBenchmark {

    private static final TestServer.Kind KIND = TestServer.Kind.valueOf(System.getProperty("perf.transport", "NIO"));
    private static final int ROUNDS = Integer.getInteger("perf.rounds", 3);
    private static final int SECONDS = Integer.getInteger("perf.seconds", 3);
    private static final int CONNECTIONS = Integer.getInteger("perf.connections", 3_000);
    private static final int CLIENT_THREADS = 8;

    @Test
    void keepAliveThroughputWithHandlerVersusBareNetty() throws Exception {
        Map<String, Consumer<ChannelPipeline>> configs = new LinkedHashMap<>();
        NettyClosePolicy cp = NettyClosePolicy.builder(ClosePolicies.keepAlive()).build();
        configs.put("bare Netty + HttpServerKeepAliveHandler", p -> p.addLast(new HttpServerCodec(), new HttpServerKeepAliveHandler(),
                new HttpObjectAggregator(1 << 20), new Apps.Fixed(Apps.SMALL)));
        configs.put("closepolicy keep-alive preset", p -> {
            p.addLast(new HttpServerCodec());
            cp.installHttp(p);
            p.addLast(new HttpObjectAggregator(1 << 20), new Apps.Fixed(Apps.SMALL));
        });
        Map<String, List<Double>> rates = new LinkedHashMap<>();
        Map<String, List<Double>> cpu = new LinkedHashMap<>();
        List<TestServer> servers = new ArrayList<>();
        try {
            int i = 0;
            for (Map.Entry<String, Consumer<ChannelPipeline>> c : configs.entrySet()) {
                servers.add(TestServer.raw(KIND, "srv" + i++, c.getValue()));
                rates.put(c.getKey(), new ArrayList<>());
                cpu.put(c.getKey(), new ArrayList<>());
            }
            for (TestServer s : servers) {
                keepAliveRun(s.address(), 1); // warm-up
            }
            List<String> names = new ArrayList<>(configs.keySet());
            for (int round = 0; round < ROUNDS; round++) {
                for (int k = 0; k < names.size(); k++) {
                    int j = (k + round) % names.size(); // rotate the order so no configuration always goes first
                    long cpu0 = cpuNanos("srv" + j);
                    double[] r = keepAliveMeasured(servers.get(j).address(), SECONDS);
                    rates.get(names.get(j)).add(r[0]);
                    cpu.get(names.get(j)).add((cpuNanos("srv" + j) - cpu0) / 1_000.0 / r[1]);
                }
            }
        } finally {
            servers.forEach(TestServer::close);
        }
        StringBuilder sb = new StringBuilder("keep-alive throughput, " + KIND + ", " + CLIENT_THREADS + " client connections, "
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
        assertThat(base).isPositive();
    }

    @Test
    void newConnectionPerRequestRates() {
        Map<String, Consumer<ChannelPipeline>> configs = new LinkedHashMap<>();
        configs.put("stock Netty (keep-alive handler closes)", p -> p.addLast(new HttpServerCodec(), new HttpServerKeepAliveHandler(),
                new HttpObjectAggregator(1 << 20), new Apps.Fixed(Apps.SMALL)));
        Map<String, NettyClosePolicy> policies = new LinkedHashMap<>();
        for (String spec : new String[] {"server-fin", "client-first", "safe-reset"}) {
            NettyClosePolicy cp = NettyClosePolicy.builder(ClosePolicy.parse(spec)).build();
            policies.put(spec, cp);
            configs.put(spec, p -> {
                p.addLast(new HttpServerCodec());
                cp.installHttp(p);
                p.addLast(new HttpObjectAggregator(1 << 20), new Apps.Fixed(Apps.SMALL));
            });
        }
        Map<String, List<Double>> rates = new LinkedHashMap<>();
        Map<String, List<Double>> cpu = new LinkedHashMap<>();
        Map<String, Integer> errors = new LinkedHashMap<>();
        List<TestServer> servers = new ArrayList<>();
        StringBuilder sb = new StringBuilder("new connection per request (Connection: close), " + KIND + ", concurrency "
                + CLIENT_THREADS + ", " + ROUNDS + " rounds x " + CONNECTIONS + " connections, " + Instant.now() + "\n");
        try {
            int i = 0;
            for (Map.Entry<String, Consumer<ChannelPipeline>> c : configs.entrySet()) {
                servers.add(TestServer.raw(KIND, "srv" + i++, c.getValue()));
                rates.put(c.getKey(), new ArrayList<>());
                cpu.put(c.getKey(), new ArrayList<>());
                errors.put(c.getKey(), 0);
            }
            i = 0;
            for (String name : configs.keySet()) {
                connectionRun(servers.get(i++).address(), 300); // warm-up
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
            int total = ROUNDS * CONNECTIONS + 300;
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
            servers.forEach(TestServer::close);
        }
        System.out.println(sb);
    }

    private static LoadResult connectionRun(InetSocketAddress target, int n) {
        RawHttpClient curl = RawHttpClient.builder(target).path("/weather.xml").connectionClose(true).build();
        return LoadRunner.builder(curl).requests(n).concurrency(CLIENT_THREADS).deadline(Duration.ofSeconds(300))
                .expectSha256(DeterministicBytes.sha256Hex(Apps.SMALL)).build().run();
    }

    /** CPU time of the live threads whose names start with {@code prefix} (a server's event loops). */
    private static long cpuNanos(String prefix) {
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        long sum = 0;
        for (ThreadInfo t : mx.getThreadInfo(mx.getAllThreadIds())) {
            if (t != null && t.getThreadName().startsWith(prefix + "-")) {
                long c = mx.getThreadCpuTime(t.getThreadId());
                sum += Math.max(0, c);
            }
        }
        return sum;
    }

    private static double keepAliveRun(InetSocketAddress target, int seconds) throws Exception {
        return keepAliveMeasured(target, seconds)[0];
    }

    /**
     * Persistent connections, one request at a time each; reconnects when the server retires a connection.
     * Returns requests per second and the number of requests.
     */
    private static double[] keepAliveMeasured(InetSocketAddress target, int seconds) throws Exception {
        LongAdder done = new LongAdder();
        AtomicBoolean stop = new AtomicBoolean();
        byte[] request = ("GET /weather.xml HTTP/1.1\r\nHost: localhost\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < CLIENT_THREADS; t++) {
            Thread th = new Thread(() -> {
                byte[] buf = new byte[64 * 1024];
                while (!stop.get()) {
                    try (Socket s = new Socket(target.getAddress(), target.getPort())) {
                        s.setTcpNoDelay(true);
                        s.setSoTimeout(10_000);
                        OutputStream out = s.getOutputStream();
                        InputStream in = s.getInputStream();
                        boolean open = true;
                        while (open && !stop.get()) {
                            out.write(request);
                            open = readResponse(in, buf);
                            done.increment();
                        }
                    } catch (IOException e) {
                        // reconnect
                    }
                }
            }, "keep-alive-client-" + t);
            threads.add(th);
        }
        long start = System.nanoTime();
        threads.forEach(Thread::start);
        Thread.sleep(seconds * 1000L); // the measuring window, not a synchronisation
        stop.set(true);
        long n = done.sum();
        long elapsed = System.nanoTime() - start;
        for (Thread th : threads) {
            th.join(15_000);
        }
        return new double[] {n * 1e9 / elapsed, done.sum()};
    }

    /** Reads one response with a Content-Length; returns whether the connection stays open. */
    private static boolean readResponse(InputStream in, byte[] buf) throws IOException {
        int len = 0;
        int headEnd = -1;
        while (headEnd < 0) {
            int k = in.read(buf, len, buf.length - len);
            if (k < 0) {
                throw new IOException("EOF in head");
            }
            len += k;
            headEnd = indexOf(buf, len);
        }
        String head = new String(buf, 0, headEnd, StandardCharsets.ISO_8859_1).toLowerCase(Locale.ROOT);
        int cl = head.indexOf("content-length:");
        int end = head.indexOf('\r', cl);
        if (end < 0) {
            end = head.length();
        }
        int length = Integer.parseInt(head.substring(cl + 15, end).trim());
        long remaining = (long) headEnd + 4 + length - len;
        while (remaining > 0) {
            int k = in.read(buf, 0, (int) Math.min(buf.length, remaining));
            if (k < 0) {
                throw new IOException("EOF in body");
            }
            remaining -= k;
        }
        return !head.contains("connection: close");
    }

    private static int indexOf(byte[] b, int len) {
        for (int i = 3; i < len; i++) {
            if (b[i] == '\n' && b[i - 1] == '\r' && b[i - 2] == '\n' && b[i - 3] == '\r') {
                return i - 3;
            }
        }
        return -1;
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
