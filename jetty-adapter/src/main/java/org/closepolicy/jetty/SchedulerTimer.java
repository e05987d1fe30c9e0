package org.closepolicy.jetty;

import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.IntConsumer;
import org.closepolicy.Ticker;
import org.closepolicy.spi.StepTimer;
import org.eclipse.jetty.util.thread.Scheduler;

/**
 * A {@link StepTimer} on Jetty's {@link Scheduler}. A firing comes on the scheduler's thread: {@code onFire} takes
 * the connection's lock and asks {@link #fired} with the generation before it runs the step.
 * <pre>{@code
 * timer = new SchedulerTimer(scheduler, runtime.ticker(), () -> closed, generation -> {
 *     lock();
 *     try { if (timer.fired(generation)) machine.onTimer(); } finally { unlockAndPerform(); }
 * });
 * }</pre>
 *
 * <p>Thread-safety: not thread-safe; used under the connection's lock.
 */
final class SchedulerTimer extends StepTimer<Scheduler.Task> {

    private final Scheduler scheduler;
    private final BooleanSupplier closed;
    private final IntConsumer onFire;

    SchedulerTimer(Scheduler scheduler, Ticker ticker, BooleanSupplier closed, IntConsumer onFire) {
        super(ticker);
        this.scheduler = scheduler;
        this.closed = closed;
        this.onFire = onFire;
    }

    @Override
    protected Scheduler.Task arm(long delayNanos, int generation) {
        if (closed.getAsBoolean()) {
            return null;
        }
        try {
            return scheduler.schedule(() -> onFire.accept(generation), delayNanos, TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException e) {
            return null; // the scheduler stops with the server, which closes every endpoint
        }
    }

    @Override
    protected void cancel(Scheduler.Task task) {
        task.cancel();
    }
}
