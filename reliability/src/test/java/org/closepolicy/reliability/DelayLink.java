package org.closepolicy.reliability;

import static org.junit.jupiter.api.Assumptions.abort;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A network namespace behind a link with a fixed delay in each direction, made without {@code netem} (which this
 * kernel lacks): the link is a pair of TUN devices, and the small C program {@code src/test/c/delayline.c}, compiled
 * with {@code gcc} once per JVM, forwards every IP packet from one to the other after the delay. The program creates
 * both devices; the namespace then moves one of them into itself (the program's descriptor stays attached) and gives
 * both ends their addresses, as for a veth pair ({@link NetNamespace}, 10.253/16 here). The devices exist only while
 * the program holds them, so ending it removes them; it also ends by itself when this JVM goes away (EOF on its
 * standard input). {@link #close()} ends the namespace's clients and the program and deletes the namespace, also
 * after a failure.
 * <pre>{@code
 * DelayLink.assumeAvailable();
 * try (DelayLink link = DelayLink.create(Duration.ofMillis(50))) {       // 100 ms round trip
 *     NetNamespace ns = link.namespace();
 *     try (ServerUnderTest server = ServerUnderTest.start(adapter, policy, Options.loopback().bind(ns.hostAddress()))) {
 *         Process client = ns.startJava(NamespaceClient.class, List.of(ns.hostAddress().getHostAddress(), job.arg()));
 *     }
 * }
 * }</pre>
 */
final class DelayLink implements AutoCloseable {

    private static final Path SOURCE = Path.of(System.getProperty("reliability.delayline.source", "src/test/c/delayline.c"));
    private static final Path BINARY = Path.of(System.getProperty("reliability.delayline.binary", "target/delayline"));

    /** The compiled program, or why there is none; compiled on first use. */
    private static String compiled;
    private static boolean compiledOk;

    private final NetNamespace ns;
    private final Duration oneWay;

    private DelayLink(NetNamespace ns, Duration oneWay) {
        this.ns = ns;
        this.oneWay = oneWay;
    }

    /**
     * Skips the calling test unless namespaces work, {@code /dev/net/tun} exists and {@code gcc} can compile the delay
     * line; a compiler error in the program itself fails the test instead.
     */
    static void assumeAvailable() {
        NetNamespace.assumeNamespaces();
        assumeTrue(Files.exists(Path.of("/dev/net/tun")), "delay-line scenarios need /dev/net/tun (TUN devices)");
        assumeTrue(Shell.run("gcc", "--version").ok(), "delay-line scenarios need gcc to build " + SOURCE.getFileName()
                + " (apt-get install gcc libc6-dev)");
        String result = compile();
        if (!compiledOk) {
            if (result.contains("No such file or directory") && result.contains("#include")) {
                abort("delay-line scenarios need the C library headers (apt-get install libc6-dev): " + result.strip());
            }
            throw new IllegalStateException("could not compile " + SOURCE + ": " + result.strip());
        }
    }

    /** Compiles the program into the build directory, once per JVM; returns the compiler's output. */
    private static synchronized String compile() {
        if (compiled == null) {
            try {
                Files.createDirectories(BINARY.toAbsolutePath().getParent());
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
            Shell.Result r = Shell.run(List.of("gcc", "-O2", "-std=c11", "-Wall", "-Wextra", "-Werror", "-o", BINARY.toString(),
                    SOURCE.toString()));
            compiledOk = r.ok();
            compiled = r.output();
        }
        return compiled;
    }

    /**
     * Creates a namespace behind a link that delays every packet by {@code oneWay} in each direction (the round trip
     * is twice that), with names and a /30 not used on this host.
     */
    static DelayLink create(Duration oneWay) {
        assumeAvailable();
        return new DelayLink(NetNamespace.create(new Program(oneWay), 253), oneWay);
    }

    /** The namespace: its addresses, devices, and {@link NetNamespace#startJava} for its clients. */
    NetNamespace namespace() {
        return ns;
    }

    /** The delay added in each direction. */
    Duration oneWay() {
        return oneWay;
    }

    /** The least round trip time over the link: the delay of both directions. */
    Duration minimumRoundTrip() {
        return oneWay.multipliedBy(2);
    }

    /** Ends the namespace's clients and the delay line (its devices go with it) and deletes the namespace. */
    @Override
    public void close() {
        ns.close();
    }

    /** The running delay line: makes the TUN devices, and removes them by ending. */
    private static final class Program implements NetNamespace.Link {

        private final Duration oneWay;
        private Process process;

        Program(Duration oneWay) {
            this.oneWay = oneWay;
        }

        @Override
        public void create(String hostDevice, String peerDevice) {
            try {
                // Standard input stays open: its EOF (this JVM gone) ends the program.
                process = new ProcessBuilder(BINARY.toString(), hostDevice, peerDevice, Long.toString(oneWay.toMillis()))
                        .redirectError(ProcessBuilder.Redirect.INHERIT).start();
            } catch (IOException e) {
                throw new IllegalStateException("could not start " + BINARY, e);
            }
            BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
            String first;
            try {
                // "ready" once both devices exist; null if the program failed (its reason is on standard error).
                first = CompletableFuture.supplyAsync(() -> {
                    try {
                        return out.readLine();
                    } catch (IOException e) {
                        return null;
                    }
                }).get(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                first = null;
            } catch (ExecutionException | TimeoutException e) {
                first = null;
            }
            if (!"ready".equals(first)) {
                String removed = remove(hostDevice);
                throw new IllegalStateException("delay line did not start (" + first + ")" + (removed.isEmpty() ? "" : "; " + removed));
            }
        }

        @Override
        public String remove(String hostDevice) {
            Process p = process;
            if (p != null) {
                try {
                    p.getOutputStream().close(); // EOF: a clean exit, with its counters on standard error
                } catch (IOException ignored) {
                    // ended already
                }
                try {
                    if (!p.waitFor(5, TimeUnit.SECONDS)) {
                        p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
                    }
                } catch (InterruptedException e) {
                    p.destroyForcibly();
                    Thread.currentThread().interrupt();
                }
                if (p.isAlive()) {
                    return "delay line (pid " + p.pid() + ") did not end";
                }
            }
            // The devices go with the program's descriptors; anything left is removed explicitly.
            if (Shell.run("ip", "link", "show", "dev", hostDevice).ok()) {
                Shell.Result r = Shell.run("ip", "link", "del", hostDevice);
                return r.ok() ? "" : r.output().strip();
            }
            return "";
        }
    }
}
