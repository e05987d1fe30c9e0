package org.closepolicy.netty;

import io.netty.channel.ChannelHandlerContext;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import org.closepolicy.Ticker;
import org.closepolicy.spi.StepTimer;

/**
 * A {@link StepTimer} on a channel's event loop: each arming is a task of the loop that runs {@code step} when it
 * is still the current timer.
 * <pre>{@code
 * StepTimer<ScheduledFuture<?>> timer = new EventLoopTimer(ctx, runtime.ticker(), machine::onTimer);
 * }</pre>
 *
 * <p>Thread-safety: confined to the channel's event loop.
 */
final class EventLoopTimer extends StepTimer<ScheduledFuture<?>> {

    private final EventExecutor loop;
    private final Runnable step;

    EventLoopTimer(ChannelHandlerContext ctx, Ticker ticker, Runnable step) {
        super(ticker);
        this.loop = ctx.executor();
        this.step = step;
    }

    @Override
    protected ScheduledFuture<?> arm(long delayNanos, int generation) {
        try {
            return loop.schedule(() -> {
                if (fired(generation)) {
                    step.run();
                }
            }, delayNanos, TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException e) {
            return null; // the loop is shutting down and closes its channels itself
        }
    }

    @Override
    protected void cancel(ScheduledFuture<?> task) {
        task.cancel(false);
    }
}
