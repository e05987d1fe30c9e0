package org.closepolicy.jetty;

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
 * <p>Thread-safety: arming, cancelling and {@link #due()} under the connection's lock; the sweep reads the
 * deadline without it.
 */
final class DeadlineTimer extends StepTimer<DeadlineTimer> implements CyclicTimeouts.Expirable {

    private final ConnectorDeadlines deadlines;
    private final BooleanSupplier closed;
    private final Runnable onDue;
    private volatile long expiresAt = Long.MAX_VALUE; // System.nanoTime() scale; MAX: nothing armed
    private int armedGeneration; // under the lock
    // The connector's list: linked and unlinked under the connection's lock, the links also under the list's.
    boolean linked;
    DeadlineTimer prev;
    DeadlineTimer next;

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
        deadlines.disarmed(this);
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
        deadlines.disarmed(this);
        return fired(armedGeneration);
    }

    /** The sweep found the deadline passed (on the scheduler's thread). */
    void expire() {
        onDue.run();
    }
}
