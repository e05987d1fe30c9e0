package org.closepolicy.spi;

import java.util.concurrent.TimeUnit;
import org.closepolicy.Ticker;

/**
 * The one timer of a connection's close step (the {@link CloseStateMachine}'s deadline, an HTTP/2 drain's
 * deadline, a maximum age), with the same meaning on every adapter. The adapter says only how its framework
 * arms and cancels a task ({@link #arm}, {@link #cancel(Object)}); the timer owns the rest:
 * <ul>
 *   <li><b>the latest call wins</b>: {@link #schedule} replaces (cancels) the timer armed before, whether its
 *       deadline was earlier or later, so the step fires at the deadline it last asked for and not before;</li>
 *   <li><b>a generation per arming</b>: a firing that a {@link #cancel()} or a newer {@link #schedule} could not
 *       stop in time (it was already running on another thread) is refused by {@link #fired}, so a stale firing
 *       never runs a step;</li>
 *   <li><b>a deferral</b>: between {@link #defer()} and {@link #endDeferral()} (an adapter's last send of a
 *       response, during which the step usually moves on at once) {@link #schedule} only notes the deadline, and
 *       {@link #endDeferral()} arms the last one noted; this spares a schedule and a cancel per connection.</li>
 * </ul>
 * Delays are clamped to 0 and to a year, which every scheduler accepts.
 * <pre>{@code
 * StepTimer<ScheduledFuture<?>> timer = new StepTimer<>(ticker) {
 *     protected ScheduledFuture<?> arm(long delayNanos, int generation) {
 *         return loop.schedule(() -> { if (fired(generation)) machine.onTimer(); }, delayNanos, NANOSECONDS);
 *     }
 *     protected void cancel(ScheduledFuture<?> task) {
 *         task.cancel(false);
 *     }
 * };
 * }</pre>
 *
 * <p>Thread-safety: not thread-safe; every method runs on the connection's thread (or under its lock), including
 * the {@link #fired} check of a firing.
 *
 * @param <T> the framework's handle of an armed task
 */
public abstract class StepTimer<T> {

    private static final long LONGEST_NANOS = TimeUnit.DAYS.toNanos(365);

    private final Ticker ticker;
    private T armed;
    private int generation;
    private boolean deferring;
    private boolean deferredArm;
    private long deferredAt;

    /**
     * A timer with nothing armed.
     *
     * @param ticker the clock a deferred deadline is kept on
     */
    protected StepTimer(Ticker ticker) {
        this.ticker = ticker;
    }

    /**
     * Arms the framework's task to run after {@code delayNanos}; the task calls {@link #fired} with this
     * {@code generation} on the connection's thread before it runs the step.
     *
     * @return the handle to cancel it by, or null when the framework refuses (it is shutting down)
     */
    protected abstract T arm(long delayNanos, int generation);

    /** Cancels an armed task (it may still run: {@link #fired} then refuses it). */
    protected abstract void cancel(T task);

    /** Fires after {@code delayNanos} (at least 0), replacing the timer armed before. */
    public final void schedule(long delayNanos) {
        cancel();
        long delay = Math.min(Math.max(0, delayNanos), LONGEST_NANOS);
        if (deferring) {
            deferredArm = true;
            deferredAt = Durations.add(ticker.nanos(), delay);
            return;
        }
        armed = arm(delay, generation);
    }

    /** Cancels the armed (or deferred) timer, if any; a firing of it that comes anyway is refused. */
    public final void cancel() {
        generation++;
        deferredArm = false;
        T t = armed;
        armed = null;
        if (t != null) {
            cancel(t);
        }
    }

    /**
     * A task armed with this generation runs: whether it is the current timer. When it is, the timer is spent
     * (nothing is armed any more) and the caller runs the step; a stale firing returns false and must do nothing.
     */
    public final boolean fired(int generation) {
        if (generation != this.generation) {
            return false;
        }
        armed = null;
        this.generation++;
        return true;
    }

    /** Whether a timer is armed (or noted by a deferral). */
    public final boolean armed() {
        return armed != null || deferredArm;
    }

    /** Opens a deferral: until {@link #endDeferral()}, {@link #schedule} only notes its deadline. */
    public final void defer() {
        deferring = true;
    }

    /** Whether a deferral is open. */
    public final boolean deferring() {
        return deferring;
    }

    /** Closes the deferral and arms the deadline last noted during it, if one is still wanted. */
    public final void endDeferral() {
        deferring = false;
        if (deferredArm) {
            deferredArm = false;
            armed = arm(Math.max(0, deferredAt - ticker.nanos()), generation);
        }
    }
}
