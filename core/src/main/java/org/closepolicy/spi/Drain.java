package org.closepolicy.spi;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.closepolicy.CloseEvent;
import org.closepolicy.CloseMode;
import org.closepolicy.DrainReport;
import org.closepolicy.WhoClosed;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One drain of a {@link ConnectionRegistry}: tells each connection, cuts the rest at the deadline, counts how
 * each one ended and completes the report when the last one has closed.
 *
 * <p>Thread-safety: thread-safe; the counters are guarded by the instance's lock, connections are told outside it.
 */
final class Drain {

    private static final Logger LOG = LoggerFactory.getLogger(Drain.class);
    /** After the deadline, how long the cut connections get to report their close before the report is made. */
    private static final long CUT_GRACE_NANOS = TimeUnit.SECONDS.toNanos(1);

    private static final class Timers {
        static final ScheduledThreadPoolExecutor EXECUTOR = create();

        private static ScheduledThreadPoolExecutor create() {
            ScheduledThreadPoolExecutor e = new ScheduledThreadPoolExecutor(1, r -> {
                Thread t = new Thread(r, "closepolicy-drain");
                t.setDaemon(true);
                return t;
            });
            e.setRemoveOnCancelPolicy(true);
            return e;
        }
    }

    private final ConnectionRegistry registry;
    private final long timeoutNanos;
    private final long idleGraceNanos;
    private final long startedAt = System.nanoTime();
    private final CompletableFuture<DrainReport> future = new CompletableFuture<>();
    /** Every connection the drain has seen, by id: open at its start, accepted during it, or closing meanwhile. */
    private final ConcurrentHashMap<Long, ConnectionRegistry.Entry> entries = new ConcurrentHashMap<>();

    // Guarded by this.
    private boolean started;
    private boolean deadlinePassed;
    private long pending;
    private long atStart;
    private long acceptedLater;
    private long announced;
    private long idleClosed;
    private long goAways;
    private long closedOnTheirOwn;
    private long cut;
    private long serverTimeWait;
    private final Map<CloseMode, Long> byMode = new EnumMap<>(CloseMode.class);
    private final Map<WhoClosed, Long> byWho = new EnumMap<>(WhoClosed.class);
    private ScheduledFuture<?> deadline;

    Drain(ConnectionRegistry registry, Duration timeout, Duration idleGrace) {
        this.registry = registry;
        this.timeoutNanos = saturatedNanos(timeout);
        this.idleGraceNanos = saturatedNanos(idleGrace);
    }

    private static long saturatedNanos(Duration d) {
        try {
            return d.toNanos();
        } catch (ArithmeticException e) {
            return Long.MAX_VALUE;
        }
    }

    CompletableFuture<DrainReport> future() {
        return future;
    }

    /** The drain's entry of this connection, made at its first mention. */
    ConnectionRegistry.Entry entry(DrainableConnection c) {
        ConnectionRegistry.Entry e = entries.get(c.id());
        return e != null ? e : entries.computeIfAbsent(c.id(), id -> new ConnectionRegistry.Entry(c));
    }

    void start(Collection<DrainableConnection> open) {
        List<DrainableConnection> snapshot = new ArrayList<>(open);
        for (DrainableConnection c : snapshot) {
            join(entry(c), true);
        }
        synchronized (this) {
            started = true;
            deadline = Timers.EXECUTOR.schedule(this::onDeadline, Math.min(timeoutNanos, TimeUnit.DAYS.toNanos(365)), TimeUnit.NANOSECONDS);
        }
        LOG.debug("drain started: {} connections, timeout {} ms", snapshot.size(), TimeUnit.NANOSECONDS.toMillis(timeoutNanos));
        completeIfDone();
    }

    /** Counts a connection in and tells it to drain (once). */
    void join(ConnectionRegistry.Entry e, boolean atStartOfDrain) {
        if (!e.join()) {
            return;
        }
        boolean cutNow;
        synchronized (this) {
            pending++;
            if (atStartOfDrain) {
                atStart++;
            } else {
                acceptedLater++;
            }
            cutNow = deadlinePassed;
            if (cutNow) {
                e.cut = true;
            }
        }
        if (!registry.isLive(e)) {
            return; // closed meanwhile: closed() counts it
        }
        try {
            if (cutNow) {
                e.connection.cut();
            } else {
                e.connection.drain(idleGraceNanos);
            }
        } catch (RuntimeException ex) {
            LOG.warn("drain of connection {} failed; it is cut at the deadline", e.connection.id(), ex);
        }
    }

    /** A connection closed (the registry has forgotten it). */
    void closed(ConnectionRegistry.Entry e, CloseEvent event) {
        if (e.join()) {
            // It closed before the drain reached it: it was open at the start.
            synchronized (this) {
                pending++;
                atStart++;
            }
        }
        synchronized (this) {
            pending--;
            if (e.cut) {
                cut++;
            } else if (e.step == null) {
                closedOnTheirOwn++;
            } else {
                switch (e.step) {
                    case ANNOUNCED -> announced++;
                    case IDLE_CLOSED -> idleClosed++;
                    case GOAWAY -> goAways++;
                }
            }
            if (event.usedMode() != null) {
                byMode.merge(event.usedMode(), 1L, Long::sum);
            }
            if (event.whoClosed() != null) {
                byWho.merge(event.whoClosed(), 1L, Long::sum);
            }
            if (event.serverHoldsTimeWait()) {
                serverTimeWait++;
            }
        }
        completeIfDone();
    }

    private void onDeadline() {
        List<ConnectionRegistry.Entry> toCut = new ArrayList<>();
        synchronized (this) {
            deadlinePassed = true;
        }
        for (ConnectionRegistry.Entry e : entries.values()) {
            if (e.joined() && !e.cut && registry.isLive(e)) {
                e.cut = true;
                toCut.add(e);
            }
        }
        if (!toCut.isEmpty()) {
            LOG.info("drain deadline: closing {} connections still open", toCut.size());
        }
        for (ConnectionRegistry.Entry e : toCut) {
            try {
                e.connection.cut();
            } catch (RuntimeException ex) {
                LOG.warn("cutting connection {} failed", e.connection.id(), ex);
            }
        }
        if (!completeIfDone()) {
            Timers.EXECUTOR.schedule(this::finish, CUT_GRACE_NANOS, TimeUnit.NANOSECONDS);
        }
    }

    private boolean completeIfDone() {
        synchronized (this) {
            if (!started || pending > 0) {
                return false;
            }
        }
        finish();
        return true;
    }

    private void finish() {
        DrainReport report;
        synchronized (this) {
            if (future.isDone()) {
                return;
            }
            if (deadline != null) {
                deadline.cancel(false);
            }
            report = new DrainReport(atStart, acceptedLater, announced, idleClosed, goAways, closedOnTheirOwn, cut,
                    Math.max(0, pending), serverTimeWait, byMode, byWho, Duration.ofNanos(System.nanoTime() - startedAt));
        }
        LOG.debug("drain finished: {}", report);
        // Not on the thread of the last close (an event loop): callers' continuations must not run there.
        Timers.EXECUTOR.execute(() -> future.complete(report));
    }
}
