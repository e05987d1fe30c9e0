package org.closepolicy.support;

import java.time.Duration;
import org.closepolicy.Ticker;

/**
 * A {@link Ticker} that only moves when a test moves it; never backwards.
 *
 * <p>Thread-safety: not thread-safe.
 */
public final class ManualTicker implements Ticker {

    private long now;

    /** A ticker at {@code start}. */
    public ManualTicker(long start) {
        this.now = start;
    }

    @Override
    public long nanos() {
        return now;
    }

    /** Moves time forward to {@code t} (ignored when {@code t} is in the past). */
    public void set(long t) {
        if (t - now > 0) {
            now = t;
        }
    }

    /** Moves time forward by {@code d}. */
    public void advance(Duration d) {
        set(now + d.toNanos());
    }
}
