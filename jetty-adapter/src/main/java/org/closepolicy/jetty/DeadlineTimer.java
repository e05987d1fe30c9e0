package org.closepolicy.jetty;

import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import java.util.function.BooleanSupplier;
import org.closepolicy.Ticker;
import org.closepolicy.spi.StepTimer;
import org.eclipse.jetty.io.CyclicTimeouts;

/**
 * A connection's {@link StepTimer} on its connector's {@link ConnectorDeadlines}: arming it sets a deadline
 * that the connector's sweep reads, cancelling it clears the deadline; no scheduler task per arming. When the
 * deadline has passed the sweep calls {@code onDue} on the scheduler's thread, which takes the connection's
 * lock and asks {@link #due()} before it runs the step.
 * <pre>{@code
 * timer = new DeadlineTimer(deadlines, runtime.ticker(), () -> closed, () -> {
 *     lock();
 *     try { if (timer.due()) machine.onTimer(); } finally { unlockAndPerform(); }
 * });
 * }</pre>
 * The deadline is written only under the connection's lock (arm, cancel, {@link #due()}), so the sweep, which
 * reads it without the lock, can at worst call {@code onDue} for a deadline that moved, and {@link #due()} then
 * says no.
 *
 * <p>Thread-safety: arming, cancelling and {@link #due()} under the connection's lock; the deadline and the
 * queue mark are read and set by the sweep without it.
 */
final class DeadlineTimer extends StepTimer<DeadlineTimer> implements CyclicTimeouts.Expirable {

    private static final AtomicIntegerFieldUpdater<DeadlineTimer> QUEUED =
            AtomicIntegerFieldUpdater.newUpdater(DeadlineTimer.class, "queued");

    private final ConnectorDeadlines deadlines;
    private final BooleanSupplier closed;
    private final Runnable onDue;
    private volatile long expiresAt = Long.MAX_VALUE; // System.nanoTime() scale; MAX: nothing armed
    private int armedGeneration; // under the lock
    private volatile int queued; // 1 while in the connector's queue

    DeadlineTimer(ConnectorDeadlines deadlines, Ticker ticker, BooleanSupplier closed, Runnable onDue) {
        super(ticker);
        this.deadlines = deadlines;
        this.closed = closed;
        this.onDue = onDue;
    }

    @Override
    protected DeadlineTimer arm(long delayNanos, int generation) {
        if (closed.getAsBoolean()) {
            return null; // a closed connection has no step left to time
        }
        armedGeneration = generation;
        expiresAt = ConnectorDeadlines.deadline(System.nanoTime(), delayNanos);
        deadlines.armed(this);
        return this;
    }

    @Override
    protected void cancel(DeadlineTimer task) {
        expiresAt = Long.MAX_VALUE;
    }

    @Override
    public long getExpireNanoTime() {
        return expiresAt;
    }

    /**
     * Under the lock, when the sweep found the deadline passed: whether the armed deadline has indeed passed.
     * Then the timer is spent and the caller runs the step; otherwise (cancelled, or armed again later) nothing.
     */
    boolean due() {
        long at = expiresAt;
        if (at == Long.MAX_VALUE || at - System.nanoTime() > 0) {
            return false;
        }
        expiresAt = Long.MAX_VALUE;
        return fired(armedGeneration);
    }

    /** The sweep found the deadline passed (on the scheduler's thread). */
    void expire() {
        onDue.run();
    }

    /** Marks the timer queued; false when it already is. */
    boolean enqueue() {
        return QUEUED.compareAndSet(this, 0, 1);
    }

    /**
     * The sweep took the timer out of the queue, having seen no deadline: whether it must go back (armed again
     * meanwhile, and its arming saw it still queued).
     */
    boolean dequeue() {
        queued = 0;
        return expiresAt != Long.MAX_VALUE && QUEUED.compareAndSet(this, 0, 1);
    }
}
