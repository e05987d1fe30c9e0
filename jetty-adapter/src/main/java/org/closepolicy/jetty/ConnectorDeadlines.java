package org.closepolicy.jetty;

import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.io.CyclicTimeouts;
import org.eclipse.jetty.util.thread.Scheduler;

/**
 * The close-step deadlines of every connection of one {@link ClosePolicyConnector}, swept by one timer on
 * Jetty's {@link Scheduler} (a {@link CyclicTimeouts}). Arming a connection's {@link DeadlineTimer} writes its
 * deadline and links the timer into this connector's list; cancelling it, or its firing, unlinks it at once.
 * Neither touches the scheduler unless the deadline is earlier than the sweep already due, so the scheduler's
 * thread runs about once per client wait, not once per connection.
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
 * <p>Why a timer is unlinked at once: the list holds exactly the timers with a deadline, so it never keeps a
 * closed connection reachable. (Leaving cancelled timers for the next sweep to drop kept every connection of the
 * last client wait, some 8,000 at 4,000 new connections a second, alive through young collections.)
 *
 * <p>Deadlines are rounded up to {@value #GRAIN_MILLIS} ms, so that one sweep ends every deadline of the same
 * slice: at most {@code 1000 / GRAIN_MILLIS} sweeps a second however many connections expire, each visiting the
 * connections with a deadline pending (none fires early; each fires at most one grain late).
 *
 * <p>Thread-safety: thread-safe. A timer is linked and unlinked only under its connection's lock (arm, cancel,
 * {@link DeadlineTimer#due()}), and the list itself is guarded by this object's own lock, held for a link, an
 * unlink or the sweep's copy of the list.
 */
final class ConnectorDeadlines extends CyclicTimeouts<DeadlineTimer> {

    /** The slice deadlines are rounded up to. */
    static final long GRAIN_MILLIS = 5;
    private static final long GRAIN_NANOS = TimeUnit.MILLISECONDS.toNanos(GRAIN_MILLIS);

    private final Object lock = new Object();
    private final Scheduler scheduler;
    private DeadlineTimer head; // guarded by lock
    private int size; // timers in the list; guarded by lock

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

    /** A timer's deadline was set (under its connection's lock): link it, and have the sweep come by then. */
    void armed(DeadlineTimer timer) {
        if (!timer.linked) {
            synchronized (lock) {
                timer.linked = true;
                timer.prev = null;
                timer.next = head;
                if (head != null) {
                    head.prev = timer;
                }
                head = timer;
                size++;
            }
        }
        schedule(timer);
    }

    /** A timer's deadline was cleared or spent (under its connection's lock): unlink it. */
    void disarmed(DeadlineTimer timer) {
        if (timer.linked) {
            synchronized (lock) {
                DeadlineTimer prev = timer.prev;
                DeadlineTimer next = timer.next;
                if (prev != null) {
                    prev.next = next;
                } else {
                    head = next;
                }
                if (next != null) {
                    next.prev = prev;
                }
                timer.prev = null;
                timer.next = null;
                timer.linked = false;
                size--;
            }
        }
    }

    /** Timers with a deadline pending; for tests and diagnostics. */
    int armedCount() {
        synchronized (lock) {
            return size;
        }
    }

    /** A copy of the list: the sweep visits it without the lock, while timers are armed and cancelled. */
    @Override
    protected Iterator<DeadlineTimer> iterator() {
        DeadlineTimer[] copy;
        synchronized (lock) {
            copy = new DeadlineTimer[size];
            int i = 0;
            for (DeadlineTimer t = head; t != null; t = t.next) {
                copy[i++] = t;
            }
        }
        return new Copy(copy);
    }

    @Override
    protected boolean onExpired(DeadlineTimer timer) {
        timer.expire(); // takes the connection's lock; a deadline moved or cleared meanwhile runs nothing
        return timer.getExpireNanoTime() == Long.MAX_VALUE; // spent: the sweep forgets it (it unlinked itself)
    }

    /** The sweep's copy of the list; removing from it is a no-op, a spent timer has unlinked itself. */
    private static final class Copy implements Iterator<DeadlineTimer> {
        private final DeadlineTimer[] timers;
        private int next;

        Copy(DeadlineTimer[] timers) {
            this.timers = timers;
        }

        @Override
        public boolean hasNext() {
            return next < timers.length;
        }

        @Override
        public DeadlineTimer next() {
            if (next >= timers.length) {
                throw new NoSuchElementException();
            }
            return timers[next++];
        }

        @Override
        public void remove() {
            // nothing: the timer left the list when it fired
        }
    }
}
