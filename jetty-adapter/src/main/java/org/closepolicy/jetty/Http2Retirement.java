package org.closepolicy.jetty;

import java.util.Locale;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import org.closepolicy.Decision;
import org.closepolicy.HttpVersion;
import org.closepolicy.Protocol;
import org.closepolicy.Retire;
import org.closepolicy.RetireReason;
import org.closepolicy.Reuse;
import org.closepolicy.spi.Durations;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.util.thread.Scheduler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * When and how an HTTP/2 connection on a {@link ClosePolicyEndPoint} is retired. Each stream is one
 * exchange, and the policy decides after each; the maximum age has a timer of its own. A retirement
 * sends one {@code GOAWAY} with the last stream id, lets the streams in flight end (bounded by
 * {@link Retire#drainTimeout()}, then resets them), and only then hands the connection to the close
 * state machine.
 * <pre>{@code
 * Http2Retirement http2 = ConnectionControl.http2Of(meta.getConnection());
 * http2.beginStream();                                            // a stream's request
 * request.addHttpStreamWrapper(stream -> new Http2Exchange(stream, http2));
 * }</pre>
 *
 * <p>Thread-safety: thread-safe; the state is guarded by the connection's lock, and the {@code GOAWAY}
 * and stream resets are sent outside it.
 */
final class Http2Retirement {

    private static final Logger LOG = LoggerFactory.getLogger(Http2Retirement.class);

    private final ConnectionControl c;

    // Guarded by the lock.
    private volatile Connection connection; // the HTTP/2 connection, once ALPN or an upgrade chose it
    private int openStreams;
    private volatile Retire draining; // GOAWAY decided, streams still in flight; the machine is still OPEN
    private boolean goAwayWritten;
    private Scheduler.Task reuseTimer; // the maximum age, or the drain's deadline

    Http2Retirement(ConnectionControl control) {
        this.c = control;
    }

    /** The HTTP/2 connection, or null while the endpoint speaks HTTP/1. */
    Connection connection() {
        return connection;
    }

    /** Whether the endpoint speaks HTTP/2. */
    boolean active() {
        return connection != null;
    }

    /** The retirement whose {@code GOAWAY} drain runs, or null. */
    Retire draining() {
        return draining;
    }

    /**
     * Jetty opened an HTTP/2 connection on this endpoint (ALPN chose h2, or h2c by upgrade or prior
     * knowledge): from now on each stream is an exchange, and the maximum age has a timer.
     */
    void onOpen(Connection http2) {
        if (c.machine == null) {
            return;
        }
        Reuse reuse = null;
        c.transport.lock();
        try {
            if (connection != null || c.machine.isRetired()) {
                return;
            }
            connection = http2;
            c.record.protocol(Protocol.HTTP2);
            // An h2c upgrade arrives as an HTTP/1.1 request that Jetty hands over to the new connection.
            c.http1.upgradedToHttp2();
            long now = c.runtime.ticker().nanos();
            if (c.runtime.policy().decide(c.record, now) instanceof Reuse r) {
                reuse = r;
                armAgeTimer(r, now);
            }
        } finally {
            c.transport.unlock();
        }
        if (reuse != null) {
            c.applyIdleTimeout(reuse, null);
        }
    }

    /** An HTTP/2 stream (one request) begins. */
    void beginStream() {
        c.transport.lock();
        try {
            openStreams++;
            c.record.onRequest(HttpVersion.HTTP_2, false, c.runtime.ticker().nanos());
        } finally {
            c.transport.unlock();
        }
    }

    /** The last frame of an HTTP/2 stream's response is being written: the response counts as served. */
    void streamResponded() {
        c.transport.lock();
        try {
            c.record.onResponse(false, false, c.runtime.ticker().nanos());
        } finally {
            c.transport.unlock();
        }
    }

    /**
     * An HTTP/2 stream ended: decide, and start or finish the drain of a retired connection.
     *
     * @param uncounted whether its response was not counted by {@link #streamResponded} (a failed stream)
     */
    void endStream(boolean uncounted) {
        Retire start = null;
        Reuse reuse = null;
        boolean drained;
        c.transport.lock();
        try {
            openStreams = Math.max(0, openStreams - 1);
            long now = c.runtime.ticker().nanos();
            c.syncBytes(connection, now);
            if (uncounted) {
                c.record.onResponse(false, false, now);
            }
            if (draining == null && !c.machine.isRetired()) {
                Decision d = c.runtime.policy().decide(c.record, now);
                if (d instanceof Retire r) {
                    start = draining = r;
                } else {
                    reuse = (Reuse) d;
                }
            }
            drained = drained();
        } finally {
            c.transport.unlock();
        }
        if (start != null) {
            startDrain(start);
        } else if (reuse != null) {
            c.runtime.listener().onReuse(c.record);
            c.applyIdleTimeout(reuse, null);
        }
        if (drained) {
            finishDrain(false);
        }
    }

    /** Whether the GOAWAY of a draining connection is written and its last stream ended (under the lock). */
    private boolean drained() {
        return draining != null && goAwayWritten && openStreams == 0 && !c.machine.isRetired();
    }

    /** Sends the GOAWAY and arms the drain's deadline. */
    private void startDrain(Retire r) {
        LOG.debug("retiring {} with GOAWAY: {}", c.record, r);
        c.transport.lock();
        try {
            cancelReuseTimer();
            scheduleReuseTimer(Durations.nanos(r.drainTimeout()));
        } finally {
            c.transport.unlock();
        }
        Http2Sessions.goAway(connection, "retired: " + r.reason().name().toLowerCase(Locale.ROOT), this::onGoAwayWritten);
    }

    private void onGoAwayWritten() {
        boolean drained;
        c.transport.lock();
        try {
            goAwayWritten = true;
            drained = drained();
        } finally {
            c.transport.unlock();
        }
        if (drained) {
            finishDrain(false);
        }
    }

    /**
     * The drain is over: the streams ended, or the drain timeout ran out and the streams still open
     * are reset. Now the close policy's who and how run, as after the last response of HTTP/1.
     */
    private void finishDrain(boolean timedOut) {
        if (timedOut) {
            int n = Http2Sessions.cancelStreams(connection);
            LOG.debug("drain of {} timed out: {} streams reset", c.record, n);
        }
        c.transport.lock();
        try {
            Retire r = draining;
            if (r == null || c.machine.isRetired()) {
                return;
            }
            draining = null;
            cancelReuseTimer();
            c.retireNow(r, true);
        } finally {
            c.transport.unlockAndPerform();
        }
    }

    /**
     * The server drains (under the lock): the retirement its {@code GOAWAY} announces, to be sent by
     * {@link #goAway} once the lock is released.
     */
    Retire announceServerDrain() {
        cancelReuseTimer();
        return draining = c.runtime.retireAnnounced(c.record, RetireReason.DRAIN, c.record.unreadInput());
    }

    /** Sends the GOAWAY of {@link #announceServerDrain}; a connection with no stream in flight is retired at once. */
    void goAway(Retire r) {
        startDrain(r);
        boolean drained;
        c.transport.lock();
        try {
            drained = drained();
        } finally {
            c.transport.unlock();
        }
        if (drained) {
            finishDrain(false);
        }
    }

    /** An idle HTTP/2 connection (no stream for the policy's idle timeout) is retired with a GOAWAY. */
    void onIdle() {
        Retire r;
        c.transport.lock();
        try {
            if (c.machine.isRetired() || draining != null || openStreams > 0) {
                return; // the close policy's or the streams' own deadlines apply
            }
            c.record.idle();
            r = c.runtime.retireIdle(c.record, c.runtime.ticker().nanos());
            if (r == null) {
                return;
            }
            draining = r;
        } finally {
            c.transport.unlock();
        }
        startDrain(r);
    }

    /**
     * When the peer or Jetty ends an HTTP/2 connection whose streams are still draining, the
     * retirement already decided becomes the machine's, so the event says why (under the lock).
     */
    boolean retireDraining() {
        Retire r = draining;
        if (r == null || c.machine.isRetired()) {
            return false;
        }
        draining = null;
        cancelReuseTimer();
        c.retireNow(r, false);
        return true;
    }

    /** The connection closes without its drain (under the lock): the drain's timers stop. */
    void abandonDrain() {
        draining = null;
        cancelReuseTimer();
    }

    /** The maximum age (with jitter) came, or the drain ran out of time. */
    private void onReuseTimer() {
        Retire start = null;
        boolean drainExpired = false;
        c.transport.lock();
        try {
            reuseTimer = null;
            if (c.closed || c.machine.isRetired()) {
                return;
            }
            if (draining != null) {
                drainExpired = true;
            } else {
                long now = c.runtime.ticker().nanos();
                if (openStreams > 0) {
                    c.record.touch(now); // busy: only its age can retire it now
                }
                Decision d = c.runtime.policy().decide(c.record, now);
                if (d instanceof Retire r) {
                    start = draining = r;
                } else {
                    armAgeTimer((Reuse) d, now);
                }
            }
        } finally {
            c.transport.unlock();
        }
        if (start != null) {
            startDrain(start);
        } else if (drainExpired) {
            finishDrain(true);
        }
    }

    /** Arms the timer at the connection's jittered maximum age, if it has one (under the lock). */
    private void armAgeTimer(Reuse reuse, long now) {
        long at = reuse.retireAtNanos(c.record);
        if (at != Long.MAX_VALUE) {
            scheduleReuseTimer(Math.max(0, at - now));
        }
    }

    private void scheduleReuseTimer(long delayNanos) {
        cancelReuseTimer();
        if (c.closed) {
            return;
        }
        try {
            reuseTimer = c.scheduler.schedule(this::onReuseTimer, delayNanos, TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException e) {
            LOG.debug("reuse timer rejected for {}", c.record, e);
        }
    }

    /** Cancels the age or drain timer (under the lock). */
    void cancelReuseTimer() {
        Scheduler.Task t = reuseTimer;
        reuseTimer = null;
        if (t != null) {
            t.cancel();
        }
    }
}
