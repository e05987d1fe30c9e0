package org.closepolicy.netty;

import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.ArrayList;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import org.closepolicy.Ticker;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The idle-timeout and maximum-age checks of every kept connection of one event loop, in one timer wheel: a
 * connection links itself into the bucket of its deadline (two references and a state byte on the connection),
 * and one task of the loop visits the buckets while any connection is linked, instead of a task scheduled (and
 * cancelled) per connection, which costs 64 bytes for each idle connection and a priority-queue insertion and
 * removal for each new one. A check runs at its deadline or up to one tick ({@value #TICK_MILLIS} ms) after it,
 * never before; these checks ask the policy again and re-arm themselves when they come early, so nothing that
 * safety or a close's latency depends on runs here (the close state machine keeps its own exact timer). The wheel
 * of a loop that belongs to no group (an {@code EmbeddedChannel}'s, dropped without being shut down) leaves its map
 * when it holds no connection any more, so the server does not keep such loops; a group's loop keeps its wheel
 * while the loop runs (no wheel made and dropped per connection on a quiet server), and the wheels of terminated
 * loops go when another loop makes one.
 * <pre>{@code
 * ReuseWheel wheel = ReuseWheel.of(wheels, ctx.executor(), ticker);
 * wheel.arm(connection, deadlineNanos, now);   // connection.run() at or after the deadline
 * wheel.disarm(connection);
 * }</pre>
 *
 * <p>Thread-safety: not thread-safe; confined to its event loop ({@link #of} is thread-safe).
 */
final class ReuseWheel implements Runnable {

    private static final Logger LOG = LoggerFactory.getLogger(ReuseWheel.class);

    static final byte UNARMED = 0;
    static final byte LINKED = 1;
    static final byte DUE = 2;

    private static final int TICK_SHIFT = 25; // 2^25 ns: a tick of about 33 ms
    static final long TICK_MILLIS = (1L << TICK_SHIFT) / 1_000_000;
    private static final int BUCKETS = 256; // a round of about 8.6 s
    private static final long LONGEST_NANOS = TimeUnit.DAYS.toNanos(365);

    private final Map<EventExecutor, ReuseWheel> wheels;
    private final EventExecutor loop;
    private final boolean standalone; // a loop of no group, such as an EmbeddedChannel's
    private final Ticker ticker;
    private final PolicyConnection[] heads = new PolicyConnection[BUCKETS];
    private final ArrayList<PolicyConnection> due = new ArrayList<>();
    private int linked;
    private ScheduledFuture<?> task;
    private long taskAt;
    private long fromTick; // the first tick whose bucket the next run visits
    private boolean running;

    private ReuseWheel(Map<EventExecutor, ReuseWheel> wheels, EventExecutor loop, Ticker ticker) {
        this.wheels = wheels;
        this.loop = loop;
        this.standalone = loop.parent() == null;
        this.ticker = ticker;
        this.fromTick = tick(ticker.nanos());
    }

    /** The wheel of {@code loop} in {@code wheels} (one map per server), made on first use. */
    static ReuseWheel of(Map<EventExecutor, ReuseWheel> wheels, EventExecutor loop, Ticker ticker) {
        ReuseWheel w = wheels.get(loop);
        if (w == null) {
            wheels.keySet().removeIf(EventExecutor::isTerminated); // a stopped server's loops
            w = wheels.computeIfAbsent(loop, l -> new ReuseWheel(wheels, l, ticker));
        }
        return w;
    }

    /** A map for {@link #of}. */
    static Map<EventExecutor, ReuseWheel> newMap() {
        return new ConcurrentHashMap<>();
    }

    private static long tick(long nanos) {
        return nanos >> TICK_SHIFT;
    }

    private static int bucket(long tick) {
        return (int) tick & (BUCKETS - 1);
    }

    /** Links {@code c} to run at {@code at} (ticker nanos) or up to a tick later, replacing its earlier deadline. */
    void arm(PolicyConnection c, long at, long now) {
        unlink(c);
        long deadline = at - now > LONGEST_NANOS ? now + LONGEST_NANOS : at;
        // A deadline behind the buckets still to visit goes into the first of them: it is due at the next run.
        long stored = tick(deadline) < fromTick ? fromTick << TICK_SHIFT : deadline;
        c.wheelAt = stored;
        int b = bucket(tick(stored));
        PolicyConnection head = heads[b];
        c.wheelNext = head;
        c.wheelPrev = null;
        if (head != null) {
            head.wheelPrev = c;
        }
        heads[b] = c;
        c.wheelState = LINKED;
        linked++;
        if (!running && (task == null || deadline - taskAt < 0)) {
            schedule(deadline, now); // else the run in progress schedules the next one when it ends
        }
    }

    /**
     * Unlinks {@code c}; a check of it already due does not run. The last connection out of a loop that belongs to
     * no group takes the wheel out of its map.
     */
    void disarm(PolicyConnection c) {
        unlink(c);
        if (linked == 0 && !running && standalone) {
            leave();
        }
    }

    private void unlink(PolicyConnection c) {
        if (c.wheelState == LINKED) {
            PolicyConnection prev = c.wheelPrev;
            PolicyConnection next = c.wheelNext;
            if (prev != null) {
                prev.wheelNext = next;
            } else {
                heads[bucket(tick(c.wheelAt))] = next;
            }
            if (next != null) {
                next.wheelPrev = prev;
            }
            c.wheelPrev = null;
            c.wheelNext = null;
            linked--;
        }
        c.wheelState = UNARMED;
    }

    /** Nothing is linked: the loop's next connection makes a new wheel (this one's task would find nothing). */
    private void leave() {
        if (task != null) {
            task.cancel(false);
            task = null;
        }
        wheels.remove(loop, this);
    }

    private void schedule(long at, long now) {
        if (task != null) {
            task.cancel(false);
        }
        taskAt = at;
        try {
            task = loop.schedule(this, Math.max(0, at - now), TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException e) {
            task = null; // the loop is shutting down and closes its channels itself
        }
    }

    /** Visits the buckets of the ticks since the last run and runs the checks that are due. */
    @Override
    public void run() {
        task = null;
        running = true;
        long now = ticker.nanos();
        long nowTick = tick(now);
        long ticks = Math.min(Math.max(0, nowTick - fromTick + 1), BUCKETS);
        for (long i = 0; i < ticks; i++) {
            for (PolicyConnection c = heads[bucket(fromTick + i)]; c != null; ) {
                PolicyConnection next = c.wheelNext;
                if (c.wheelAt - now <= 0) {
                    unlink(c);
                    c.wheelState = DUE;
                    due.add(c);
                }
                c = next;
            }
        }
        // The bucket of this tick may hold deadlines later in it: the next run visits it again.
        fromTick = Math.max(fromTick, nowTick);
        try {
            for (int i = 0; i < due.size(); i++) {
                PolicyConnection c = due.get(i);
                if (c.wheelState == DUE) { // not disarmed or re-armed by an earlier check of this run
                    c.wheelState = UNARMED;
                    try {
                        c.run();
                    } catch (RuntimeException e) {
                        // One connection's failure must not cost the others their checks (they are no longer linked).
                        LOG.warn("reuse check of {} failed", c, e);
                    }
                }
            }
        } finally {
            due.clear();
            running = false;
            scheduleNextRun(nowTick, now);
        }
    }

    /** Schedules a run at the start of the next tick whose bucket holds a connection (this tick's: the next one). */
    private void scheduleNextRun(long nowTick, long now) {
        if (linked == 0) {
            if (standalone) {
                leave();
            }
            return;
        }
        for (int i = 0; i < BUCKETS; i++) {
            if (heads[bucket(nowTick + i)] != null) {
                schedule((nowTick + Math.max(i, 1)) << TICK_SHIFT, now);
                return;
            }
        }
    }

    @Override
    public String toString() {
        return "ReuseWheel[" + linked + " connections]";
    }
}
