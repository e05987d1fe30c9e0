package org.closepolicy.spi;

/**
 * The part of a {@link Transport} that is the same on every adapter: the machine's one timer, with the meaning
 * {@link StepTimer} gives it (the latest {@link #schedule} wins, a stale firing runs nothing). The adapter
 * supplies its framework's timer and the socket operations.
 * <pre>{@code
 * final class NettyTransport extends TimedTransport {
 *     private final StepTimer<ScheduledFuture<?>> timer = new EventLoopTimer(ctx, ticker, () -> machine.onTimer());
 *     protected StepTimer<?> timer() { return timer; }
 *     public void close() { ctx.close(); }
 *     ...
 * }
 * }</pre>
 *
 * <p>Thread-safety: as the {@link Transport}: confined to the connection's thread (or its lock).
 */
public abstract class TimedTransport implements Transport {

    /** A transport; its {@link #timer()} must be ready before the machine first schedules. */
    protected TimedTransport() {
    }

    /** The connection's close-step timer. */
    protected abstract StepTimer<?> timer();

    /** {@inheritDoc} The timer armed before is cancelled, whether it was due earlier or later. */
    @Override
    public final void schedule(long delayNanos) {
        timer().schedule(delayNanos);
    }

    @Override
    public final void cancelTimer() {
        timer().cancel();
    }

    /**
     * Opens the deferral of the timer for an adapter's last send of a response ({@link StepTimer#defer()}): the
     * steps its flush usually takes at once spare arming and cancelling the flush bound.
     */
    public final void deferTimer() {
        timer().defer();
    }

    /** Whether a deferral is open. */
    public final boolean timerDeferred() {
        return timer().deferring();
    }

    /** Ends the deferral and arms the deadline the machine last asked for during it, if any; nothing when none is open. */
    public final void endTimerDeferral() {
        timer().endDeferral();
    }
}
