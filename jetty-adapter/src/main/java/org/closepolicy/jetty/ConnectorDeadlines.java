package org.closepolicy.jetty;

import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.io.CyclicTimeouts;
import org.eclipse.jetty.util.thread.Scheduler;

/**
 * The close-step deadlines of every connection of one {@link ClosePolicyConnector}, swept by one timer on
 * Jetty's {@link Scheduler} (a {@link CyclicTimeouts}). Arming a connection's {@link DeadlineTimer} writes its
 * deadline and queues the timer once; cancelling it clears the deadline. Neither touches the scheduler unless
 * the deadline is earlier than the sweep already due, so the scheduler's thread runs about once per client
 * wait, not once per connection.
 * <pre>{@code
 * ConnectorDeadlines deadlines = new ConnectorDeadlines(connector.getScheduler());   // one per connector start
 * DeadlineTimer timer = new DeadlineTimer(deadlines, ticker, () -> closed, transport::onTimer);
 * }</pre>
 *
 * <p>Why not a scheduler task per connection: a client-first connection arms its client wait when its last
 * response is written and cancels it a fraction of a millisecond later, at the client's FIN. Each new task was
 * the earliest in the scheduler's queue (the only shorter deadline pending), so scheduling it woke the
 * scheduler's thread to re-time its wait: a context switch and a futex call for every connection.
 *
 * <p>Deadlines are rounded up to {@value #GRAIN_MILLIS} ms, so that one sweep ends every deadline of the same
 * slice: at most {@code 1000 / GRAIN_MILLIS} sweeps a second however many connections expire, each visiting the
 * connections with a deadline pending (none fires early; each fires at most one grain late). A timer that
 * fires leaves the queue then; a cancelled one at the next sweep, which comes by its deadline at the latest.
 *
 * <p>Thread-safety: thread-safe.
 */
final class ConnectorDeadlines extends CyclicTimeouts<DeadlineTimer> {

    /** The slice deadlines are rounded up to. */
    static final long GRAIN_MILLIS = 5;
    private static final long GRAIN_NANOS = TimeUnit.MILLISECONDS.toNanos(GRAIN_MILLIS);

    private final ConcurrentLinkedQueue<DeadlineTimer> queue = new ConcurrentLinkedQueue<>();
    private final Scheduler scheduler;

    ConnectorDeadlines(Scheduler scheduler) {
        super(scheduler);
        this.scheduler = scheduler;
    }

    /** The scheduler the sweep runs on. */
    Scheduler scheduler() {
        return scheduler;
    }

    /** The deadline {@code delayNanos} from now on {@code System.nanoTime()}'s scale, rounded up to the grain. */
    static long deadline(long nowNanos, long delayNanos) {
        long at = nowNanos + delayNanos;
        long rounded = Math.floorDiv(at, GRAIN_NANOS) * GRAIN_NANOS;
        if (rounded != at) {
            rounded += GRAIN_NANOS;
        }
        return rounded == Long.MAX_VALUE ? Long.MAX_VALUE - 1 : rounded;
    }

    /** A timer's deadline was set: queue the timer unless it is queued, and have the sweep come by then. */
    void armed(DeadlineTimer timer) {
        if (timer.enqueue()) {
            queue.offer(timer);
        }
        schedule(timer);
    }

    /** Timers queued (armed, or cancelled and not yet swept); for tests. */
    int queued() {
        return queue.size();
    }

    @Override
    protected Iterator<DeadlineTimer> iterator() {
        return new Sweep(queue.iterator());
    }

    @Override
    protected boolean onExpired(DeadlineTimer timer) {
        timer.expire(); // takes the connection's lock; a deadline moved or cleared meanwhile runs nothing
        return timer.getExpireNanoTime() == Long.MAX_VALUE; // spent: out of the queue now (a later arming queues it again)
    }

    /** Takes a timer out of the queue; one armed again meanwhile goes back (whether it must be visited now). */
    private boolean requeued(DeadlineTimer t) {
        if (t.dequeue()) {
            queue.offer(t);
            return true;
        }
        return false;
    }

    /**
     * The queued timers with a deadline; drops those without one on the way (cancelled, or fired), so a closed
     * connection is not kept reachable past the sweep after its close.
     */
    private final class Sweep implements Iterator<DeadlineTimer> {
        private final Iterator<DeadlineTimer> queued;
        private DeadlineTimer next;
        private boolean nextRequeued; // next is a new queue entry, not the one the queue's iterator returned last
        private DeadlineTimer last;
        private boolean lastRequeued;

        Sweep(Iterator<DeadlineTimer> queued) {
            this.queued = queued;
        }

        @Override
        public boolean hasNext() {
            while (next == null && queued.hasNext()) {
                DeadlineTimer t = queued.next();
                if (t.getExpireNanoTime() != Long.MAX_VALUE) {
                    next = t;
                    nextRequeued = false;
                } else {
                    queued.remove();
                    if (requeued(t)) {
                        next = t; // armed again meanwhile: seen in this sweep
                        nextRequeued = true;
                    }
                }
            }
            return next != null;
        }

        @Override
        public DeadlineTimer next() {
            if (!hasNext()) {
                throw new NoSuchElementException();
            }
            last = next;
            lastRequeued = nextRequeued;
            next = null;
            return last;
        }

        /** The sweep fired {@link #next()}'s timer, which is spent: out of the queue (back if armed again meanwhile). */
        @Override
        public void remove() {
            DeadlineTimer t = last;
            if (t == null) {
                throw new IllegalStateException();
            }
            last = null;
            if (lastRequeued || next != null) {
                queue.remove(t); // the queue's iterator has moved on: find the entry
            } else {
                queued.remove();
            }
            requeued(t);
        }
    }
}
