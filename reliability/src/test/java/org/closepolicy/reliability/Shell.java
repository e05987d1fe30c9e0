package org.closepolicy.reliability;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs short system commands (ip, tc, iptables) with a time bound. */
final class Shell {

    /** The outcome of one command. */
    record Result(int exitCode, String output) {
        boolean ok() {
            return exitCode == 0;
        }
    }

    private Shell() {
    }

    /** Runs {@code command}, waiting at most 20 s; stdout and stderr merged. Exit code -1 if it could not run. */
    static Result run(List<String> command) {
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        try {
            Process p = pb.start();
            p.getOutputStream().close();
            InputStream in = p.getInputStream();
            if (!p.waitFor(20, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return new Result(-1, "timed out: " + command);
            }
            return new Result(p.exitValue(), new String(in.readAllBytes(), StandardCharsets.UTF_8));
        } catch (IOException e) {
            return new Result(-1, e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Result(-1, "interrupted");
        }
    }

    static Result run(String... command) {
        return run(List.of(command));
    }

    /** Runs {@code command} and fails with its output unless it exits 0. */
    static String check(String... command) {
        Result r = run(command);
        if (!r.ok()) {
            throw new IllegalStateException(String.join(" ", command) + " exited " + r.exitCode() + ": " + r.output().strip());
        }
        return r.output();
    }

    /** Whether this process runs as root (network namespaces and packet filters need it). */
    static boolean isRoot() {
        Result r = run("id", "-u");
        return r.ok() && r.output().strip().equals("0");
    }
}
