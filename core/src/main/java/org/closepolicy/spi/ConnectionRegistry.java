package org.closepolicy.spi;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import org.closepolicy.CloseEvent;
import org.closepolicy.CloseListener;
import org.closepolicy.DrainReport;

/**
 * The live connections of one server, for draining them: adapters register each connection when it opens and
 * put the registry in their listener chain, so that it forgets each connection on its close event.
 * {@link #drain(Duration)} then tells every connection to retire the policy's way and reports how they ended.
 * <pre>{@code
 * ConnectionRegistry registry = new ConnectionRegistry();
 * CloseListener listener = CloseListener.composite(stats, registry, userListener);
 * // per connection, when it opens:
 * registry.register(drainableConnection);
 * // at shutdown, after the listener stopped accepting:
 * DrainReport report = registry.drain(Duration.ofSeconds(10)).join();
 * }</pre>
 *
 * <p>Order for a deploy: stop accepting (close the listening socket), then drain, then shut the server down.
 * A connection registered while a drain runs (the listener was still open) is drained at once.
 *
 * <p>Thread-safety: thread-safe.
 */
public final class ConnectionRegistry implements CloseListener {

    /** The longest an idle connection is given for a last request before it is closed as idle. */
    public static final Duration DEFAULT_IDLE_GRACE = Duration.ofSeconds(1);

    // An id and a reference per open connection; what a drain does to each one is kept by the drain (Entry).
    private final LiveConnections live = new LiveConnections();
    private volatile Drain drain;

    /** Starts tracking an open connection; when a drain runs it is told to drain at once. */
    public void register(DrainableConnection connection) {
        Objects.requireNonNull(connection, "connection");
        live.put(connection.id(), connection);
        Drain d = drain;
        if (d != null) {
            d.join(d.entry(connection), false);
        }
    }

    /** The adapter began to end connection {@code id} this way (the drain report counts it). */
    public void step(long id, DrainStep step) {
        Objects.requireNonNull(step, "step");
        Drain d = drain;
        DrainableConnection c = d == null ? null : live.get(id);
        if (c != null) {
            Entry e = d.entry(c);
            if (e.step == null) {
                e.step = step;
            }
        }
    }

    /**
     * A connection began to end this way: counted when the drain has told that connection to drain ({@code told})
     * and the adapter keeps a registry; otherwise nothing (a connection ending for its own reasons before the drain
     * reached it is no step of the drain).
     * <pre>{@code
     * ConnectionRegistry.step(runtime.connections(), drainRequested, record.id(), DrainStep.GOAWAY);
     * }</pre>
     */
    public static void step(ConnectionRegistry registry, boolean told, long id, DrainStep step) {
        if (told && registry != null) {
            registry.step(id, step);
        }
    }

    /** Whether a drain has begun (connections are no longer reused). */
    public boolean draining() {
        return drain != null;
    }

    /** Connections open now. */
    public int size() {
        return live.size();
    }

    /** As {@link #drain(Duration, Duration)} with an idle grace of at most {@link #DEFAULT_IDLE_GRACE} and half the timeout. */
    public CompletableFuture<DrainReport> drain(Duration timeout) {
        Objects.requireNonNull(timeout, "timeout");
        Duration half = timeout.dividedBy(2);
        return drain(timeout, half.compareTo(DEFAULT_IDLE_GRACE) < 0 ? half : DEFAULT_IDLE_GRACE);
    }

    /**
     * Drains every connection: each is told to retire the policy's way ({@link DrainableConnection#drain}); one
     * that stays quiet for {@code idleGrace} is closed as idle; at {@code timeout} the rest are closed gracefully
     * ({@link DrainableConnection#cut}). The future completes when the last connection has closed, or shortly
     * after the deadline with the ones still closing counted as {@link DrainReport#stillOpen()}. A second call
     * returns the first drain's future.
     *
     * @throws IllegalArgumentException when {@code timeout} is negative or {@code idleGrace} negative or longer than it
     */
    public CompletableFuture<DrainReport> drain(Duration timeout, Duration idleGrace) {
        Objects.requireNonNull(timeout, "timeout");
        Objects.requireNonNull(idleGrace, "idleGrace");
        if (timeout.isNegative()) {
            throw new IllegalArgumentException("drain timeout must be >= 0, got " + timeout);
        }
        if (idleGrace.isNegative() || idleGrace.compareTo(timeout) > 0) {
            throw new IllegalArgumentException("drain idle grace must be between 0 and the timeout (" + timeout + "), got " + idleGrace);
        }
        Drain d;
        synchronized (this) {
            if (drain != null) {
                return drain.future();
            }
            d = new Drain(this, timeout, idleGrace);
            drain = d;
        }
        d.start(live.snapshot());
        return d.future();
    }

    @Override
    public void onClose(CloseEvent event) {
        DrainableConnection c = live.remove(event.connectionId());
        Drain d = drain;
        if (c != null && d != null) {
            d.closed(d.entry(c), event);
        }
    }

    boolean isLive(Entry e) {
        return live.get(e.connection.id()) == e.connection;
    }

    /** One connection open during a drain and what the drain did to it (made by the drain, not per connection). */
    static final class Entry {
        final DrainableConnection connection;
        // A field updater, not an AtomicBoolean: one object less per open connection.
        private static final AtomicIntegerFieldUpdater<Entry> JOINED =
                AtomicIntegerFieldUpdater.newUpdater(Entry.class, "joined");
        private volatile int joined;
        volatile DrainStep step;
        volatile boolean cut;

        Entry(DrainableConnection connection) {
            this.connection = connection;
        }

        /** Marks the entry joined to the drain; whether this call did it. */
        boolean join() {
            return JOINED.compareAndSet(this, 0, 1);
        }

        boolean joined() {
            return joined != 0;
        }
    }
}
