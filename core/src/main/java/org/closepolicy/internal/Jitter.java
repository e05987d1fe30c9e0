package org.closepolicy.internal;

/**
 * Deterministic per-connection jitter: the same seed and connection id always give the same factor,
 * so a test (or an operator reading logs) can predict when a connection retires.
 *
 * <p>Thread-safety: stateless.
 */
public final class Jitter {

    private Jitter() {
    }

    /** A uniform value in [0, 1) derived from seed and id (SplitMix64 finaliser). */
    public static double unit(long seed, long id) {
        long z = seed ^ (id * 0x9E3779B97F4A7C15L);
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        z = z ^ (z >>> 31);
        return (z >>> 11) * 0x1.0p-53;
    }

    /** Max age scaled by a factor in [1 - jitter, 1 + jitter). */
    public static long ageNanos(long maxAgeNanos, double jitter, long seed, long id) {
        if (jitter == 0) {
            return maxAgeNanos;
        }
        double f = 1 - jitter + 2 * jitter * unit(seed, id);
        double v = maxAgeNanos * f;
        return v >= Long.MAX_VALUE ? Long.MAX_VALUE : Math.max(1, (long) v);
    }

    /** Max requests scaled by a factor in (1 - jitter, 1]: never more than configured, at least 1. */
    public static long requests(long maxRequests, double jitter, long seed, long id) {
        if (jitter == 0 || maxRequests == Long.MAX_VALUE) {
            return maxRequests;
        }
        double f = 1 - jitter * unit(seed, id);
        // Doubles carry 53 bits: for huge limits the product can round above the limit.
        return Math.max(1, Math.min(maxRequests, (long) Math.ceil(maxRequests * f)));
    }
}
