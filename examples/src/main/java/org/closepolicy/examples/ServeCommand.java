package org.closepolicy.examples;

import java.io.PrintWriter;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code closepolicy serve}: one real server, with a close policy, for real clients.
 *
 * <p>Thread-safety: one instance per command-line run; not shared.
 */
@Command(name = "serve", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Runs one server with a close policy until Ctrl-C (SIGINT) or SIGTERM.", ""},
        footer = {
            "",
            "Endpoints:",
            "  GET  /weather.xml        the demo's XML forecast (about 1.9 KB)",
            "  GET  /bytes?n=N          N deterministic bytes (N <= 1073741824), header X-Sha256",
            "  POST /upload             answers the body's length and SHA-256",
            "  POST /upload?early=413   answers 413 before reading the body",
            "  GET  /stats              close statistics and the kernel's TIME_WAIT for the port",
            "",
            "Policies: server-fin, lingering, client-first, safe-reset, keep-alive, or spec text such as",
            "  \"client-first, close.client-wait=1s, reuse.max-requests=100\"",
            "",
            "Examples:",
            "  closepolicy serve --server jetty --port 8080 --policy safe-reset",
            "  curl -s localhost:8080/weather.xml; ss -tan state time-wait '( sport = :8080 )'",
            "  ab -n 2000 -c 50 http://127.0.0.1:8080/weather.xml",
            "  wrk -c 50 -d 10s -H 'Connection: close' http://127.0.0.1:8080/weather.xml",
        })
final class ServeCommand implements Callable<Integer> {

    /** Lets a caller in the same process see the server and stop it without a signal. */
    interface Hooks {
        Hooks NONE = new Hooks() {
        };

        /** The server is listening. */
        default void started(ExampleServer server) {
        }

        /** Counted down to stop the server; {@code null} waits for a signal. */
        default CountDownLatch stop() {
            return null;
        }
    }

    @Spec
    private CommandSpec spec;

    @Option(names = "--server", defaultValue = "netty", paramLabel = "netty|jetty",
            description = "The server: ${COMPLETION-CANDIDATES}. Default: ${DEFAULT-VALUE}.")
    private ServerKind server;

    @Option(names = "--port", defaultValue = "8080", paramLabel = "PORT",
            description = "Port to listen on; 0 picks a free one. Default: ${DEFAULT-VALUE}.")
    private int port;

    @Option(names = "--host", defaultValue = "127.0.0.1", paramLabel = "ADDRESS",
            description = "Address to bind; 0.0.0.0 for every interface. Default: ${DEFAULT-VALUE}.")
    private String host;

    @Option(names = "--policy", defaultValue = "keep-alive", paramLabel = "SPEC",
            description = "Close policy: a preset name or spec text, or none for the bare framework (a baseline to compare with). Default: ${DEFAULT-VALUE}.")
    private PolicyArg policy;

    @Option(names = "--transport", defaultValue = "nio", paramLabel = "nio|epoll",
            description = "Netty's transport: ${COMPLETION-CANDIDATES}. Jetty always uses NIO. Default: ${DEFAULT-VALUE}.")
    private TransportKind transport;

    @Option(names = "--drain", defaultValue = "5s", paramLabel = "DURATION",
            description = "On shutdown (SIGTERM, Ctrl-C), how long the drain may take: every connection retires the policy's way, the rest close at the deadline. Default: ${DEFAULT-VALUE}.")
    private Duration drain;

    @Option(names = "--reuse-port",
            description = "Bind with SO_REUSEPORT, so that a second serve can take the port over (a deploy: start the new one, then SIGTERM the old one).")
    private boolean reusePort;

    @Option(names = "--tls", description = "Serve HTTPS, with a self-signed certificate for localhost made at start "
            + "(or the key store of --keystore). Try: curl -k https://127.0.0.1:PORT/weather.xml")
    private boolean tls;

    @Option(names = "--keystore", paramLabel = "FILE", description = "A PKCS12 key store with the server's key and "
            + "certificate; implies --tls.")
    private java.nio.file.Path keystore;

    @Option(names = "--keystore-password", paramLabel = "PASSWORD", defaultValue = "",
            description = "The password of --keystore (and of its key).")
    private String keystorePassword;

    @Option(names = "--http2", description = "Offer HTTP/2 besides HTTP/1.1: h2 by ALPN with --tls (curl -k --http2), "
            + "else h2c by prior knowledge (curl --http2-prior-knowledge; Jetty also takes the HTTP/1.1 Upgrade).")
    private boolean http2;

    private final Hooks hooks;

    ServeCommand(Hooks hooks) {
        this.hooks = hooks;
    }

    ServeCommand() {
        this(Hooks.NONE);
    }

    @Override
    public Integer call() throws Exception {
        if (port < 0 || port > 65535) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--port " + port + " is out of range; use 0 to 65535");
        }
        if (server == ServerKind.JETTY && transport == TransportKind.EPOLL) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--transport epoll is for --server netty; Jetty uses NIO");
        }
        if (drain.compareTo(Duration.ofMinutes(10)) > 0) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--drain " + drain.toSeconds() + "s is too long; use at most 10m");
        }
        PrintWriter out = spec.commandLine().getOut();
        ServerConfig config = new ServerConfig(server, host, port, policy.policy(), policy.text(), transport, drain, reusePort);
        Wire wire = ServeWire.of(spec.commandLine(), tls, keystore, keystorePassword, http2);
        ExampleServer s;
        try {
            s = ExampleServers.start(config, wire);
        } catch (Exception e) {
            for (Throwable t = e; t != null; t = t.getCause()) {
                if (t instanceof java.net.BindException) {
                    throw new IllegalStateException("cannot listen on " + host + ":" + port + " (" + t.getMessage()
                            + "); pick another --port or --host", e);
                }
            }
            throw e;
        }
        CountDownLatch stop = hooks.stop() != null ? hooks.stop() : new CountDownLatch(1);
        CountDownLatch stopped = new CountDownLatch(1);
        Thread hook = new Thread(() -> {
            stop.countDown();
            boolean done = false;
            try {
                done = stopped.await(drain.toMillis() + 3000, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            if (done && hooks.stop() == null) {
                // A signal asked for the stop and it completed (drained, report printed): that is a clean exit.
                Runtime.getRuntime().halt(0);
            }
        }, "closepolicy-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        String where = wire.scheme() + "://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + s.port();
        out.printf("%s (%s) listening on %s (%s)%n", server, server == ServerKind.NETTY ? transport : "nio", where, wire.describe());
        out.printf("policy: %s%n  spec: %s%n", policy.text(), config.specText());
        out.printf("try: %s%n", ServeWire.tryLine(wire, where));
        out.printf("Ctrl-C stops (requests in flight get up to %s).%n", human(drain));
        if (reusePort) {
            out.println(Handover.advice());
        }
        out.flush();
        hooks.started(s);
        try {
            stop.await();
        } finally {
            out.println("stopping: draining up to " + human(drain) + " ...");
            out.flush();
            long t0 = System.nanoTime();
            s.stop(drain);
            long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
            if (s.drainReport() != null) {
                out.println("drain report: " + s.drainReport().toJson());
            }
            out.println("stopped. took " + tookMs + " ms; close stats: " + s.stats().toJson());
            out.flush();
            stopped.countDown();
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // The JVM is already exiting because of a signal: the hook is running.
            }
        }
        return 0;
    }

    static String human(Duration d) {
        long ms = d.toMillis();
        return ms % 1000 == 0 ? ms / 1000 + "s" : ms + "ms";
    }
}
