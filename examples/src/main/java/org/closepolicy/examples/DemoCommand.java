package org.closepolicy.examples;

import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.closepolicy.ClosePolicies;
import org.closepolicy.Preset;
import org.closepolicy.kernel.KernelSettings;
import org.closepolicy.kernel.TcpSnapshot;
import org.closepolicy.kernel.TcpState;
import org.closepolicy.kernel.TcpTable;
import org.closepolicy.testkit.Nginx;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code closepolicy demo}: the situation of a small XML service whose clients open a new
 * connection per request, on Netty and Jetty, under each preset; one table of what the kernel
 * keeps afterwards.
 *
 * <p>Thread-safety: one instance per command-line run; not shared.
 */
@Command(name = "demo", mixinStandardHelpOptions = true, sortOptions = false,
        description = {
            "Shows who keeps TIME_WAIT under each close policy, on Netty and Jetty.",
            "",
            "Runs a small XML weather service (about 1.9 KB per response) with each close-policy preset,",
            "loads it over loopback with curl-like clients (a new connection per request, closed after",
            "reading), verifies every body, and counts the TIME_WAIT the kernel keeps on the server side",
            "and on the client side.",
            "",
            "Each run uses a fresh server port, so runs do not mix: TIME_WAIT lasts 60 s on Linux.",
            "keep-alive runs use pooled clients that reuse connections, which is what that policy is for.",
            "",
        },
        footer = {
            "",
            "Exit code 1 when any response failed to verify.",
            "Examples:",
            "  closepolicy demo",
            "  closepolicy demo --quick --json demo.json",
            "  closepolicy demo --servers netty --policies server-fin,safe-reset --requests 10000 --concurrency 100",
        })
final class DemoCommand implements Callable<Integer> {

    @Spec
    private CommandSpec spec;

    /** What the demo shows. */
    enum Scenario {
        /** Who keeps TIME_WAIT under each preset (the default). */
        TIME_WAIT,
        /** A server replaced by another on the same port under pooled clients: bare stop against drain. */
        DEPLOY;

        @Override
        public String toString() {
            return name().toLowerCase(Locale.ROOT).replace('_', '-');
        }
    }

    @Option(names = "--scenario", paramLabel = "time-wait|deploy", defaultValue = "time-wait", converter = ScenarioConverter.class,
            description = {"time-wait: who keeps TIME_WAIT under each preset (default).",
                "deploy: server A replaced by B on the same port (SO_REUSEPORT) under pooled keep-alive clients; the "
                        + "framework's graceful stop (policy none) against the drain. Its default policies: "
                        + "none,keep-alive,client-first,safe-reset; --concurrency is per client family (default 8); "
                        + "--duration is the load before A stops (default 2s, --quick 1s)."})
    private Scenario scenario;

    @Option(names = "--servers", split = ",", paramLabel = "SERVER", defaultValue = "netty,jetty",
            description = "Servers to run, comma-separated: netty, jetty. Default: ${DEFAULT-VALUE}.")
    private List<ServerKind> servers;

    @Option(names = "--policies", split = ",", paramLabel = "PRESET",
            defaultValue = "server-fin,lingering,client-first,safe-reset,keep-alive",
            description = "Presets to run, comma-separated. Default: ${DEFAULT-VALUE}.")
    private List<String> policies;

    @Option(names = "--requests", paramLabel = "N",
            description = "Requests per run (each a new connection, except keep-alive). Default: 5000; --quick: 1000.")
    private Long requests;

    @Option(names = "--duration", paramLabel = "DURATION",
            description = "Upper bound per run; a run stops at N requests or this, whichever comes first. Default: 5s; --quick: 1s.")
    private Duration duration;

    @Option(names = "--concurrency", paramLabel = "C", defaultValue = "50",
            description = "Concurrent clients. Default: ${DEFAULT-VALUE}.")
    private int concurrency;

    @Option(names = "--transport", paramLabel = "nio|epoll", defaultValue = "nio",
            description = "Netty's transport. Default: ${DEFAULT-VALUE}.")
    private TransportKind transport;

    @Option(names = "--warmup", paramLabel = "N",
            description = "Unmeasured requests per server, spread over the presets, before its runs, so the JIT has "
                    + "compiled every close path. Default: 5000 (at most 5 s); --quick: 500 (at most 1 s).")
    private Long warmup;

    @Option(names = "--quick", description = "A short run for CI: 1000 requests per run, at most 1 s each (under 20 s in all).")
    private boolean quick;

    @Option(names = "--json", paramLabel = "FILE", description = "Also write the results as JSON to FILE.")
    private Path json;

    @Option(names = "--no-nginx", description = "Skip the runs behind nginx (they run where an nginx binary is found).")
    private boolean noNginx;

    @Option(names = "--no-progress", description = "Do not show the progress line.")
    private boolean noProgress;

    /** The longest a server's warm-up may take, so a slow machine stays within the demo's time budget. */
    private static final Duration WARMUP_CAP = Duration.ofSeconds(5);
    private static final Duration WARMUP_CAP_QUICK = Duration.ofSeconds(1);

    /** The presets run behind nginx where it is installed: the problem and its fix. */
    private static final List<Preset> BEHIND_NGINX = List.of(Preset.SERVER_FIN, Preset.CLIENT_FIRST);

    /** How long to wait after a run for the last closes to finish before counting. */
    private static final Duration SETTLE = Duration.ofSeconds(3);

    @Override
    public Integer call() throws Exception {
        CommandLine cl = spec.commandLine();
        if (scenario == Scenario.DEPLOY) {
            return deploy(cl);
        }
        long n = requests != null ? requests : quick ? 1000 : 5000;
        Duration cap = duration != null ? duration : quick ? Duration.ofSeconds(1) : Duration.ofSeconds(5);
        if (n < 1 || n > 1_000_000) {
            throw new CommandLine.ParameterException(cl, "--requests " + n + " is out of range; use 1 to 1000000");
        }
        if (concurrency < 1 || concurrency > 1000) {
            throw new CommandLine.ParameterException(cl, "--concurrency " + concurrency + " is out of range; use 1 to 1000");
        }
        if (cap.isZero() || cap.compareTo(Duration.ofMinutes(5)) > 0) {
            throw new CommandLine.ParameterException(cl, "--duration must be above 0 and at most 5m");
        }
        long warm = warmup != null ? warmup : quick ? 500 : 5000;
        if (warm < 0 || warm > 1_000_000) {
            throw new CommandLine.ParameterException(cl, "--warmup " + warm + " is out of range; use 0 to 1000000");
        }
        List<Preset> presets = new ArrayList<>();
        for (String p : policies) {
            try {
                presets.add(Preset.fromSpecName(p.trim().toLowerCase(Locale.ROOT)));
            } catch (IllegalArgumentException e) {
                throw new CommandLine.ParameterException(cl, "--policies: " + e.getMessage());
            }
        }
        if (json != null && json.getParent() != null && !Files.isDirectory(json.getParent())) {
            throw new CommandLine.ParameterException(cl, "--json " + json + ": folder " + json.getParent() + " does not exist");
        }
        PrintWriter out = cl.getOut();
        PrintWriter err = cl.getErr();
        boolean kernel = TcpTable.system().snapshot().supported();
        Progress bar = new Progress(err, !noProgress);
        out.printf("closepolicy demo: %d server%s x %d polic%s; per run %,d requests or %s, %d concurrent clients, loopback%n",
                servers.size(), servers.size() == 1 ? "" : "s", presets.size(), presets.size() == 1 ? "y" : "ies", n,
                ServeCommand.human(cap), concurrency);
        if (!kernel) {
            out.println("note: no /proc/net/tcp (not Linux): TIME_WAIT cannot be counted; bodies are still verified.");
        }
        out.flush();

        List<DemoRow> rows = new ArrayList<>();
        boolean nginx = !noNginx && Nginx.available();
        int total = servers.size() * (presets.size() + (nginx ? BEHIND_NGINX.size() : 0));
        int index = 0;
        long started = System.nanoTime();
        for (ServerKind kind : servers) {
            warmUp(kind, presets, warm, bar);
            for (Preset preset : presets) {
                index++;
                rows.add(runOne(kind, preset, n, cap, kernel, bar, index, total, false));
            }
            // Behind nginx's default proxy (HTTP/1.0, a new backend connection per request): before and after.
            for (Preset preset : nginx ? BEHIND_NGINX : List.<Preset>of()) {
                index++;
                rows.add(runOne(kind, preset, n, cap, kernel, bar, index, total, true));
            }
        }
        bar.clear();
        double seconds = (System.nanoTime() - started) / 1e9;
        DemoTable.print(out, rows, kernel);
        if (!noNginx && !nginx) {
            out.println("behind nginx: skipped, no nginx binary found (apt-get install nginx-light to add these rows).");
        }
        out.printf(Locale.ROOT, "%d runs in %.1f s. TIME_WAIT counted per run on its own server port (it lasts 60 s).%n",
                rows.size(), seconds);
        long errors = rows.stream().mapToLong(r -> r.load().errors()).sum();
        if (json != null) {
            Files.writeString(json, Json.write(toJson(rows, n, cap, seconds, kernel)), StandardCharsets.UTF_8);
            out.println("results written to " + json);
        }
        if (errors > 0) {
            out.printf("%d requests failed verification.%n", errors);
        }
        out.flush();
        return errors > 0 ? 1 : 0;
    }

    private int deploy(CommandLine cl) throws Exception {
        CommandLine.ParseResult parsed = cl.getParseResult();
        List<String> names = new ArrayList<>();
        for (String p : parsed.hasMatchedOption("--policies") ? policies : DeployDemo.DEFAULT_POLICIES) {
            try {
                names.add(DeployDemo.checkPolicy(p));
            } catch (IllegalArgumentException e) {
                throw new CommandLine.ParameterException(cl, "--policies: " + e.getMessage() + " (or none)");
            }
        }
        int threads = parsed.hasMatchedOption("--concurrency") ? concurrency : 8;
        if (threads < 1 || threads > 200) {
            throw new CommandLine.ParameterException(cl, "--concurrency " + threads + " is out of range for --scenario deploy; use 1 to 200");
        }
        Duration before = duration != null ? duration : quick ? Duration.ofSeconds(1) : Duration.ofSeconds(2);
        if (before.isZero() || before.compareTo(Duration.ofMinutes(1)) > 0) {
            throw new CommandLine.ParameterException(cl, "--duration must be above 0 and at most 1m for --scenario deploy");
        }
        Duration after = quick ? Duration.ofMillis(500) : Duration.ofSeconds(1);
        DeployScenario scenario = new DeployScenario(before, after, Duration.ofSeconds(5), threads, Duration.ofMillis(1500), transport);
        // --warmup 0 skips it; otherwise a deploy row's warm-up is a time (the rows' clients are timed, not counted).
        Duration warm = warmup != null && warmup == 0 ? Duration.ZERO : quick ? Duration.ofMillis(500) : Duration.ofSeconds(1);
        return new DeployDemo(servers, names, scenario, warm, json, !noProgress).run(cl.getOut(), cl.getErr());
    }

    /** Accepts the scenario names as printed ({@code time-wait}, {@code deploy}). */
    static final class ScenarioConverter implements CommandLine.ITypeConverter<Scenario> {
        @Override
        public Scenario convert(String value) {
            for (Scenario s : Scenario.values()) {
                if (s.toString().equalsIgnoreCase(value.trim())) {
                    return s;
                }
            }
            throw new CommandLine.TypeConversionException("'" + value + "' is not a scenario; use time-wait or deploy");
        }
    }

    private DemoRow runOne(ServerKind kind, Preset preset, long n, Duration cap, boolean kernel, Progress bar, int index, int total,
            boolean behindNginx) throws Exception {
        ServerConfig config = new ServerConfig(kind, "127.0.0.1", 0, ClosePolicies.of(preset), preset.specName(), transport,
                Duration.ofSeconds(1));
        LoadClient.Mode mode = preset == Preset.KEEP_ALIVE ? LoadClient.Mode.KEEP_ALIVE : LoadClient.Mode.NEW_CONNECTION;
        try (ExampleServer server = ExampleServers.start(config); Nginx front = behindNginx ? Nginx.defaultProxy(server.port()) : null) {
            int port = server.port();
            InetSocketAddress target = front != null ? front.address() : new InetSocketAddress("127.0.0.1", port);
            if (front != null) {
                mode = LoadClient.Mode.NEW_CONNECTION;
            }
            TcpSnapshot before = TcpTable.system().snapshot();
            long serverBase = before.countLocalPort(TcpState.TIME_WAIT, port);
            long clientBase = before.countRemotePort(TcpState.TIME_WAIT, port);
            LoadClient client = new LoadClient(target, Endpoints.WEATHER, WeatherXml.shared());
            String label = String.format(Locale.ROOT, "[%d/%d] %-5s %-12s", index, total, kind,
                    preset.specName() + (front != null ? " behind nginx" : ""));
            bar.start(label, client, n);
            LoadClient.Result load;
            try {
                load = client.run(mode, concurrency, n, cap);
            } finally {
                bar.stop();
            }
            bar.settling(label);
            TcpSnapshot after = kernel ? settle(port) : before;
            long serverTw = after.countLocalPort(TcpState.TIME_WAIT, port) - serverBase;
            long clientTw = after.countRemotePort(TcpState.TIME_WAIT, port) - clientBase;
            DemoRow row = new DemoRow(kind, preset.specName(), config.policy().toSpec(), mode, load, kernel, serverTw, clientTw,
                    server.stats().toJson(), front != null ? "nginx" : null);
            bar.done(label, row);
            return row;
        }
    }

    /**
     * Unmeasured load on throwaway servers of this kind, one per preset, so the JIT has compiled
     * every close path before the first measured run (their TIME_WAIT stays on their own ports).
     */
    private void warmUp(ServerKind kind, List<Preset> presets, long n, Progress bar) throws Exception {
        if (n == 0) {
            return;
        }
        long each = Math.max(1, n / presets.size());
        Duration cap = (quick ? WARMUP_CAP_QUICK : WARMUP_CAP).dividedBy(presets.size());
        for (Preset preset : presets) {
            ServerConfig config = new ServerConfig(kind, "127.0.0.1", 0, ClosePolicies.of(preset), preset.specName(), transport,
                    Duration.ofSeconds(1));
            LoadClient.Mode mode = preset == Preset.KEEP_ALIVE ? LoadClient.Mode.KEEP_ALIVE : LoadClient.Mode.NEW_CONNECTION;
            try (ExampleServer server = ExampleServers.start(config)) {
                LoadClient client = new LoadClient(new InetSocketAddress("127.0.0.1", server.port()), Endpoints.WEATHER,
                        WeatherXml.shared());
                bar.start(String.format(Locale.ROOT, "[warm-up] %-5s %-12s", kind, preset.specName()), client, each);
                try {
                    client.run(mode, concurrency, each, cap);
                } finally {
                    bar.stop();
                }
            }
        }
    }

    /**
     * Waits until no socket of the port is between states (established, closing), so every
     * TIME_WAIT the run will leave exists; counting earlier would miss closes still in progress.
     */
    private static TcpSnapshot settle(int port) throws InterruptedException {
        long deadline = System.nanoTime() + SETTLE.toNanos();
        TcpSnapshot s = TcpTable.system().snapshot();
        while (unsettled(s, port) > 0 && System.nanoTime() < deadline) {
            Thread.sleep(50); // polling the kernel's table; nothing to be notified by
            s = TcpTable.system().snapshot();
        }
        return s;
    }

    /** Sockets of the port (either side) in a state other than LISTEN, TIME_WAIT and CLOSE. */
    static long unsettled(TcpSnapshot s, int port) {
        long n = 0;
        for (TcpState st : TcpState.values()) {
            if (st != TcpState.LISTEN && st != TcpState.TIME_WAIT && st != TcpState.CLOSE) {
                n += s.countLocalPort(st, port) + s.countRemotePort(st, port);
            }
        }
        return n;
    }

    private Map<String, Object> toJson(List<DemoRow> rows, long n, Duration cap, double seconds, boolean kernel) {
        Map<String, Object> o = Json.object();
        o.put("command", "closepolicy demo");
        o.put("date", OffsetDateTime.now(ZoneOffset.UTC).truncatedTo(ChronoUnit.SECONDS).toString());
        Map<String, Object> machine = Json.object();
        machine.put("cpus", Runtime.getRuntime().availableProcessors());
        machine.put("os", System.getProperty("os.name") + " " + System.getProperty("os.version") + " " + System.getProperty("os.arch"));
        machine.put("java", System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version"));
        o.put("machine", machine);
        Map<String, Object> settings = Json.object();
        settings.put("requestsPerRun", n);
        settings.put("maxSecondsPerRun", cap.toMillis() / 1000.0);
        settings.put("concurrency", concurrency);
        settings.put("nettyTransport", transport.toString());
        settings.put("quick", quick);
        settings.put("response", Endpoints.WEATHER + " (" + WeatherXml.length() + " bytes)");
        o.put("settings", settings);
        KernelSettings k = KernelSettings.read();
        Map<String, Object> km = Json.object();
        km.put("supported", kernel);
        km.put("tcpTwReuse", k.tcpTwReuse().isPresent() ? k.tcpTwReuse().getAsInt() : null);
        km.put("tcpFinTimeoutSeconds", k.tcpFinTimeout().map(Duration::toSeconds).orElse(null));
        km.put("tcpMaxTwBuckets", k.tcpMaxTwBuckets().isPresent() ? k.tcpMaxTwBuckets().getAsInt() : null);
        km.put("ipLocalPortRange", k.ipLocalPortRange().map(Object::toString).orElse(null));
        o.put("kernel", km);
        o.put("seconds", seconds);
        List<Object> results = new ArrayList<>();
        for (DemoRow r : rows) {
            results.add(r.toJson());
        }
        o.put("results", results);
        o.put("errors", rows.stream().mapToLong(r -> r.load().errors()).sum());
        return o;
    }

    /** The progress line: redrawn in place on a terminal, one line per run otherwise. */
    private static final class Progress {
        private final PrintWriter err;
        private final boolean enabled;
        private final boolean terminal = System.console() != null;
        private Thread ticker;

        Progress(PrintWriter err, boolean enabled) {
            this.err = err;
            this.enabled = enabled;
        }

        void start(String label, LoadClient client, long n) {
            if (!enabled || !terminal) {
                return;
            }
            long t0 = System.nanoTime();
            ticker = new Thread(() -> {
                try {
                    while (!Thread.currentThread().isInterrupted()) {
                        draw(String.format(Locale.ROOT, "%s %,d/%,d requests, %d errors, %.1f s", label, client.completed(), n,
                                client.errorsSoFar(), (System.nanoTime() - t0) / 1e9));
                        Thread.sleep(200); // redraw rate of the progress line
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }, "demo-progress");
            ticker.setDaemon(true);
            ticker.start();
        }

        void stop() throws InterruptedException {
            if (ticker != null) {
                ticker.interrupt();
                ticker.join();
                ticker = null;
            }
        }

        void settling(String label) {
            if (enabled && terminal) {
                draw(label + " waiting for the last closes, counting TIME_WAIT ...");
            }
        }

        void done(String label, DemoRow row) {
            if (!enabled) {
                return;
            }
            String line = String.format(Locale.ROOT, "%s %,.0f req/s, server TIME_WAIT %,d, client TIME_WAIT %,d, errors %d", label,
                    row.load().requestsPerSecond(), row.serverTimeWait(), row.clientTimeWait(), row.load().errors());
            if (terminal) {
                draw(line);
            } else {
                err.println(line);
                err.flush();
            }
        }

        private synchronized void draw(String line) {
            err.print("\r\033[K" + line);
            err.flush();
        }

        void clear() {
            if (enabled && terminal) {
                draw("");
            }
        }
    }

}
