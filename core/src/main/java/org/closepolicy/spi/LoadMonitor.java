package org.closepolicy.spi;

import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;
import org.closepolicy.Load;

/**
 * The live {@link Load} of one server: open connections counted by the adapter, TIME_WAIT from a
 * sampler (normally {@link org.closepolicy.kernel.TimeWaitSampler}).
 *
 * <pre>{@code
 * LoadMonitor load = new LoadMonitor(sampler::serverTimeWait);
 * load.opened();  // on accept
 * load.closed();  // on close
 * }</pre>
 *
 * <p>Thread-safety: thread-safe.
 */
public final class LoadMonitor implements Load {

    private final LongAdder open = new LongAdder();
    private final LongSupplier timeWait;

    /** A monitor without TIME_WAIT sampling. */
    public LoadMonitor() {
        this(() -> 0L);
    }

    /** A monitor reading TIME_WAIT from this supplier (must be cheap: a volatile read). */
    public LoadMonitor(LongSupplier serverTimeWait) {
        this.timeWait = serverTimeWait;
    }

    /** A connection was accepted. */
    public void opened() {
        open.increment();
    }

    /** A connection was closed. */
    public void closed() {
        open.decrement();
    }

    @Override
    public long openConnections() {
        return open.sum();
    }

    @Override
    public long serverTimeWait() {
        return timeWait.getAsLong();
    }
}
