package org.closepolicy.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Runs ApacheBench ({@code ab}), the classic HTTP/1.0 client that reads every response to EOF (with {@code -k}:
 * HTTP/1.0 keep-alive, still reading to EOF once a response says {@code Connection: close}), and reads its summary.
 * Tests skip when {@code ab} is not installed.
 *
 * <pre>{@code
 * Assumptions.assumeTrue(ApacheBench.available());
 * ApacheBench.Result r = ApacheBench.run(server.address(), "/weather.xml", 500, 1, true, Duration.ofSeconds(60));
 * assertThat(r.failed()).isZero();
 * }</pre>
 *
 * <p>Thread-safety: stateless.
 */
public final class ApacheBench {

    private static final Pattern COMPLETE = Pattern.compile("Complete requests:\\s+(\\d+)");
    private static final Pattern FAILED = Pattern.compile("Failed requests:\\s+(\\d+)");

    private ApacheBench() {
    }

    /**
     * What {@code ab} reported.
     *
     * @param exitCode  the process's exit code (non-zero when ab aborted, e.g. on a reset)
     * @param complete  complete requests
     * @param failed    failed requests
     * @param output    ab's whole output
     */
    public record Result(int exitCode, long complete, long failed, String output) {
    }

    /** The {@code ab} binary, or null when none is installed. */
    public static Path binary() {
        String path = System.getenv("PATH");
        for (String dir : (path == null ? "/usr/bin" : path + ":/usr/bin").split(":")) {
            Path p = Paths.get(dir, "ab");
            if (Files.isExecutable(p)) {
                return p;
            }
        }
        return null;
    }

    /** Whether {@code ab} is installed. */
    public static boolean available() {
        return binary() != null;
    }

    /** Runs {@code ab -n requests -c concurrency [-k] http://host:port/path}, bounded by {@code timeout}. */
    public static Result run(InetSocketAddress target, String path, int requests, int concurrency, boolean keepAlive,
            java.time.Duration timeout) throws IOException {
        Path bin = binary();
        if (bin == null) {
            throw new IllegalStateException("no ab binary found");
        }
        List<String> cmd = new ArrayList<>(List.of(bin.toString(), "-n", Integer.toString(requests), "-c", Integer.toString(concurrency)));
        if (keepAlive) {
            cmd.add("-k");
        }
        cmd.add("http://" + target.getHostString() + ":" + target.getPort() + path);
        Path log = Files.createTempFile("ab", ".txt");
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        try {
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                throw new IOException("ab did not finish within " + timeout + ": " + Files.readString(log));
            }
            String text = Files.readString(log, StandardCharsets.UTF_8);
            return new Result(p.exitValue(), number(COMPLETE, text), number(FAILED, text), text);
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while running ab", e);
        } finally {
            Files.deleteIfExists(log);
        }
    }

    /**
     * The two runs every adapter must pass: 300 requests of {@code path}, a new connection each, 4 at a time; then
     * 500 on keep-alive connections, one at a time. Each completes every request, none failed, and the keep-alive run
     * exits with 0 (ab aborts on a reset).
     */
    public static void assertCompletesWithAndWithoutKeepAlive(InetSocketAddress target, String path) throws IOException {
        Result plain = run(target, path, 300, 4, false, java.time.Duration.ofSeconds(60));
        assertThat(plain.failed()).as(plain.output()).isZero();
        assertThat(plain.complete()).as(plain.output()).isEqualTo(300);
        Result keepAlive = run(target, path, 500, 1, true, java.time.Duration.ofSeconds(60));
        assertThat(keepAlive.exitCode()).as(keepAlive.output()).isZero();
        assertThat(keepAlive.failed()).as(keepAlive.output()).isZero();
        assertThat(keepAlive.complete()).as(keepAlive.output()).isEqualTo(500);
    }

    private static long number(Pattern p, String text) {
        Matcher m = p.matcher(text);
        return m.find() ? Long.parseLong(m.group(1)) : -1;
    }
}
