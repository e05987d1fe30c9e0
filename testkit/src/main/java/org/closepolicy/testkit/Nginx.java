package org.closepolicy.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A real nginx in front of a test server, with its own configuration and prefix directory, on an ephemeral
 * loopback port: either nginx's default proxy settings ({@code proxy_pass http://127.0.0.1:PORT;}: HTTP/1.0 to the
 * backend, one connection per request) or an HTTP/1.1 keep-alive upstream. Tests skip when no nginx binary is found.
 *
 * <pre>{@code
 * Assumptions.assumeTrue(Nginx.available());
 * try (Nginx nginx = Nginx.defaultProxy(backendPort)) {
 *     RawHttpClient.builder(nginx.address()).build().send();
 * }
 * }</pre>
 *
 * <p>Thread-safety: not thread-safe; one test thread starts and stops it.
 */
public final class Nginx implements AutoCloseable {

    private static final List<String> LOCATIONS = List.of("/usr/sbin/nginx", "/usr/local/sbin/nginx", "/usr/local/nginx/sbin/nginx",
            "/usr/bin/nginx");

    private final Path binary;
    private final Path prefix;
    private final InetSocketAddress address;

    private Nginx(Path binary, Path prefix, InetSocketAddress address) {
        this.binary = binary;
        this.prefix = prefix;
        this.address = address;
    }

    /** The nginx binary, or null when none is installed (PATH, then the usual places). */
    public static Path binary() {
        String path = System.getenv("PATH");
        if (path != null) {
            for (String dir : path.split(":")) {
                Path p = Paths.get(dir, "nginx");
                if (Files.isExecutable(p)) {
                    return p;
                }
            }
        }
        for (String l : LOCATIONS) {
            Path p = Paths.get(l);
            if (Files.isExecutable(p)) {
                return p;
            }
        }
        return null;
    }

    /** Whether an nginx binary is installed. */
    public static boolean available() {
        return binary() != null;
    }

    /** nginx with its default proxy settings in front of 127.0.0.1:{@code backendPort}. */
    public static Nginx defaultProxy(int backendPort) throws IOException {
        return start("proxy_pass http://127.0.0.1:" + backendPort + ";", "");
    }

    /** nginx with an HTTP/1.1 keep-alive upstream ({@code keepalive 32}) in front of 127.0.0.1:{@code backendPort}. */
    public static Nginx keepAliveUpstream(int backendPort) throws IOException {
        return start("proxy_pass http://backend; proxy_http_version 1.1; proxy_set_header Connection \"\";",
                "upstream backend { server 127.0.0.1:" + backendPort + "; keepalive 32; }");
    }

    private static Nginx start(String location, String upstream) throws IOException {
        Path bin = binary();
        if (bin == null) {
            throw new IllegalStateException("no nginx binary found");
        }
        Path prefix = Files.createTempDirectory("nginx-test");
        Files.createDirectories(prefix.resolve("logs"));
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        String conf = "worker_processes 1;\n"
                + "daemon on;\n"
                + "pid " + prefix.resolve("nginx.pid") + ";\n"
                + "error_log " + prefix.resolve("logs/error.log") + " warn;\n"
                + "events { worker_connections 1024; }\n"
                + "http {\n"
                + "  access_log off;\n"
                + "  client_body_temp_path " + prefix.resolve("body") + "; proxy_temp_path " + prefix.resolve("proxy") + ";\n"
                + "  fastcgi_temp_path " + prefix.resolve("fastcgi") + "; uwsgi_temp_path " + prefix.resolve("uwsgi")
                + "; scgi_temp_path " + prefix.resolve("scgi") + ";\n"
                + "  " + upstream + "\n"
                + "  server { listen 127.0.0.1:" + port + "; location / { " + location + " } }\n"
                + "}\n";
        Files.writeString(prefix.resolve("nginx.conf"), conf, StandardCharsets.US_ASCII);
        Nginx n = new Nginx(bin, prefix, new InetSocketAddress("127.0.0.1", port));
        n.run("-p", prefix.toString(), "-c", "nginx.conf");
        n.awaitListening();
        return n;
    }

    private void run(String... args) throws IOException {
        String[] cmd = new String[args.length + 1];
        cmd[0] = binary.toString();
        System.arraycopy(args, 0, cmd, 1, args.length);
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        try {
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException("nginx did not return within 30 s: " + String.join(" ", cmd));
            }
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (p.exitValue() != 0) {
                throw new IOException("nginx failed (" + p.exitValue() + "): " + out.trim());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while starting nginx", e);
        }
    }

    private void awaitListening() throws IOException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        IOException last = null;
        while (System.nanoTime() - end < 0) {
            try (Socket s = new Socket()) {
                s.connect(address, 1_000);
                return;
            } catch (IOException e) {
                last = e;
                java.util.concurrent.locks.LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20)); // poll, bounded by the deadline
            }
        }
        throw new IOException("nginx is not listening on " + address, last);
    }

    /** Where nginx listens. */
    public InetSocketAddress address() {
        return address;
    }

    /** {@code n} requests through nginx, 8 at a time, a new client connection each; fails on any error. */
    public LoadResult fetch(int n) {
        LoadResult load = LoadRunner.builder(RawHttpClient.builder(address).build()).requests(n).concurrency(8)
                .deadline(java.time.Duration.ofSeconds(60)).build().run();
        assertThat(load.errors()).as("%s", load).isZero();
        return load;
    }

    /** Stops nginx (fast shutdown) and removes its prefix directory. */
    @Override
    public void close() throws IOException {
        Path pidFile = prefix.resolve("nginx.pid");
        long pid = Files.exists(pidFile) ? Long.parseLong(Files.readString(pidFile).trim()) : -1;
        try {
            run("-p", prefix.toString(), "-c", "nginx.conf", "-s", "stop");
            // The master exits (and removes its pid file) after the signal: wait for it, bounded.
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (pid > 0 && ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false) && System.nanoTime() - end < 0) {
                java.util.concurrent.locks.LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
            }
        } finally {
            try (Stream<Path> files = Files.walk(prefix)) {
                files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            } catch (java.io.UncheckedIOException | IOException e) {
                // A file nginx removed while we walked: what is left is in the temporary folder.
            }
        }
    }
}
