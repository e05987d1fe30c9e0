package org.closepolicy.testkit;

import java.io.File;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Counts this process's open file descriptors, to check that connections are really released.
 *
 * <pre>{@code
 * int before = Fds.openCount();
 * runManyConnections();
 * int after = Fds.awaitAtMost(before + 5, Duration.ofSeconds(10));
 * assertThat(after).isLessThanOrEqualTo(before + 5);
 * }</pre>
 *
 * <p>Thread-safety: stateless; safe from any thread.
 */
public final class Fds {

    private static final File PROC_SELF_FD = new File("/proc/self/fd");
    private static final long POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(10);

    private Fds() {
    }

    /**
     * Number of open file descriptors (entries of {@code /proc/self/fd}, not counting the one used to list the
     * directory), or -1 where that directory does not exist.
     */
    public static int openCount() {
        String[] names = PROC_SELF_FD.list();
        return names == null ? -1 : Math.max(0, names.length - 1);
    }

    /** Whether {@link #openCount()} works here. */
    public static boolean supported() {
        return openCount() >= 0;
    }

    /**
     * Polls {@link #openCount()} every 10 ms until it is at most {@code expected} or {@code deadline} passes.
     *
     * @return the last count seen: at most {@code expected} on success, more on timeout, -1 if unsupported
     */
    public static int awaitAtMost(int expected, Duration deadline) {
        long end = System.nanoTime() + deadline.toNanos();
        while (true) {
            int n = openCount();
            if (n < 0 || n <= expected || System.nanoTime() - end >= 0) {
                return n;
            }
            LockSupport.parkNanos(POLL_NANOS);
        }
    }
}
