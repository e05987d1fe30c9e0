package org.closepolicy.spi;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
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

    private final ConcurrentHashMap<Long, Entry> live = new ConcurrentHashMap<>();
    private volatile Drain drain;

    /** Starts tracking an open connection; when a drain runs it is told to drain at once. */
    public void register(DrainableConnection connection) {
        Objects.requireNonNull(connection, "connection");
        Entry e = new Entry(connection);
        live.put(connection.id(), e);
        Drain d = drain;
        if (d != null) {
            d.join(e, false);
        }
    }

    /** The adapter began to end connection {@code id} this way (the drain report counts it). */
    public void step(long id, DrainStep step) {
        Entry e = live.get(id);
        if (e != null && e.step == null) {
            e.step = Objects.requireNonNull(step, "step");
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
        d.start(live.values());
        return d.future();
    }

    @Override
    public void onClose(CloseEvent event) {
        Entry e = live.remove(event.connectionId());
        Drain d = drain;
        if (e != null && d != null) {
            d.closed(e, event);
        }
    }

    java.util.Collection<Entry> entries() {
        return live.values();
    }

    boolean isLive(Entry e) {
        return live.get(e.connection.id()) == e;
    }

    /** One registered connection and what the drain did to it. */
    static final class Entry {
        final DrainableConnection connection;
        final AtomicBoolean joined = new AtomicBoolean();
        volatile DrainStep step;
        volatile boolean cut;

        Entry(DrainableConnection connection) {
            this.connection = connection;
        }
    }
}
