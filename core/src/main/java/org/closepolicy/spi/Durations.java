package org.closepolicy.spi;

import java.time.Duration;

/**
 * Saturating arithmetic on ticker nanoseconds: a deadline far in the future (a {@code Duration} of years, or
 * "never") stays {@link Long#MAX_VALUE} instead of overflowing into the past.
 * <pre>{@code
 * long drainDeadline = Durations.add(ticker.nanos(), retire.drainTimeout());
 * }</pre>
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
        return add(at, nanos(d));
    }

    /** {@code a + b}, saturated at {@link Long#MAX_VALUE} or {@link Long#MIN_VALUE}. */
    public static long add(long a, long b) {
        long r = a + b;
        if (((a ^ r) & (b ^ r)) < 0) {
            return b > 0 ? Long.MAX_VALUE : Long.MIN_VALUE;
        }
        return r;
    }
}
