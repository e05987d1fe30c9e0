package org.closepolicy;

/**
 * A monotonic source of nanoseconds, injected wherever closepolicy needs "now".
 *
 * <p>Production code uses {@link #system()}; tests pass a manual ticker and move time instead of sleeping:
 * <pre>{@code
 * AtomicLong now = new AtomicLong();
 * Ticker ticker = now::get;
 * now.addAndGet(Duration.ofSeconds(2).toNanos());
 * }</pre>
 *
 * <p>Thread-safety: implementations must be safe to call from any thread.
 */
@FunctionalInterface
public interface Ticker {

    /** Current time in nanoseconds from an arbitrary origin; only differences are meaningful. */
    long nanos();

    /** The ticker backed by {@link System#nanoTime()}. */
    static Ticker system() {
        return SystemTicker.INSTANCE;
    }
}

enum SystemTicker implements Ticker {
    INSTANCE;

    @Override
    public long nanos() {
        return System.nanoTime();
    }
}
