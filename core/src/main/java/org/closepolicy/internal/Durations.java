package org.closepolicy.internal;

import java.time.Duration;

/**
 * Saturating arithmetic on ticker nanoseconds.
 *
 * <p>Thread-safety: stateless.
 */
public final class Durations {

    private Durations() {
    }

    /** {@code d} in nanoseconds, saturated at {@link Long#MAX_VALUE}. */
    public static long nanos(Duration d) {
        try {
            return d.toNanos();
        } catch (ArithmeticException e) {
            return Long.MAX_VALUE;
        }
    }

    /** {@code at + d}, saturated. */
    public static long add(long at, Duration d) {
        long n = nanos(d);
        long r = at + n;
        return ((at ^ r) & (n ^ r)) < 0 ? Long.MAX_VALUE : r;
    }
}
