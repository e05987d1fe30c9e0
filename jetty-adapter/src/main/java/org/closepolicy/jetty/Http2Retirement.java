package org.closepolicy.jetty;

import java.util.Locale;
import org.closepolicy.Decision;
import org.closepolicy.HttpVersion;
import org.closepolicy.Protocol;
import org.closepolicy.Retire;
import org.closepolicy.RetireReason;
import org.closepolicy.Reuse;
import org.closepolicy.spi.GoAwayDrain;
import org.eclipse.jetty.io.Connection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * When and how an HTTP/2 connection on a {@link ClosePolicyEndPoint} is retired. Each stream is one
 * exchange, and the policy decides after each; the maximum age has a timer of its own. A retirement
 * sends one {@code GOAWAY} with the last stream id, lets the streams in flight end (bounded by
 * {@link Retire#drainTimeout()}, then resets them), and only then hands the connection to the close
 * state machine.
 * <pre>{@code
 * Http2Retirement http2 = ControlLookup.http2Of(meta.getConnection());
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
    private final SchedulerTimer reuseTimer; // the maximum age, or the drain's deadline

    // Guarded by the lock.
    private volatile Connection connection; // the HTTP/2 connection, once ALPN or an upgrade chose it
    private final GoAwayDrain drain = new GoAwayDrain(); // while it drains the machine is still OPEN
    private volatile Retire draining; // drain.retiring(), readable without the lock
    private int syntheticStreamIds; // for a stream whose id Jetty does not give as a number

    Http2Retirement(ConnectionControl control) {
        this.c = control;
        this.reuseTimer = new SchedulerTimer(control.scheduler(), control.runtime.ticker(), () -> control.closed, this::onReuseTimer);
    }

    /** The HTTP/2 side of {@code c}, made now if the connection only just turned HTTP/2 (an HTTP/1 one carries none). */
    static Http2Retirement of(ConnectionControl c) {
        Http2Retirement h = c.http2;
        if (h != null) {
            return h;
        }
        c.lock.lock();
        try {
            if (c.http2 == null) {
                c.http2 = new Http2Retirement(c);
            }
            return c.http2;
        } finally {
            c.lock.unlock();
        }
    }

    /** Whether a connection with this HTTP/2 side (null: none yet) speaks HTTP/2. */
    static boolean isActive(Http2Retirement h) {
        return h != null && h.active();
    }

    /** The retirement whose {@code GOAWAY} drain runs on a connection with this HTTP/2 side (null: none), or null. */
    static Retire drainingOf(Http2Retirement h) {
        return h == null ? null : h.draining();
    }

    /** Ends the drain still running on a connection with this HTTP/2 side (under the lock); whether one was. */
    static boolean endDrainOf(Http2Retirement h) {
        return h != null && h.retireDraining();
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
        if (c.endPoint == null) {
            return;
        }
        Reuse reuse = null;
        c.lock.lock();
        try {
            if (connection != null || c.isRetired()) {
                return;
            }
            connection = http2;
            c.protocol(Protocol.HTTP2);
            // An h2c upgrade arrives as an HTTP/1.1 request that Jetty hands over to the new connection.
            c.http1.upgradedToHttp2();
            long now = c.runtime.ticker().nanos();
            if (c.runtime.policy().decide(c, now) instanceof Reuse r) {
                reuse = r;
                armAgeTimer(r, now);
            }
        } finally {
            c.lock.unlock();
        }
        if (reuse != null) {
            c.applyIdleTimeout(reuse, null);
        }
    }

    /**
     * An HTTP/2 stream (one request) begins.
     *
     * @param requestId Jetty's id of the request: the stream id
     * @return the stream id to end it with
     */
    int beginStream(String requestId) {
        c.lock.lock();
        try {
            int id = streamId(requestId);
            drain.streamOpened(id);
            c.onRequest(HttpVersion.HTTP_2, false, c.runtime.ticker().nanos());
            return id;
        } finally {
            c.lock.unlock();
        }
    }

    private int streamId(String requestId) {
        try {
            return Integer.parseInt(requestId);
        } catch (NumberFormatException e) {
            return --syntheticStreamIds; // never a client stream id (those are odd and positive)
        }
    }

    /** The last frame of an HTTP/2 stream's response is being written: the response counts as served. */
    void streamResponded() {
        c.lock.lock();
        try {
            c.onResponse(false, false, c.runtime.ticker().nanos());
        } finally {
            c.lock.unlock();
        }
    }

    /**
     * An HTTP/2 stream ended: decide, and start or finish the drain of a retired connection.
     *
     * @param streamId what {@link #beginStream} returned
     * @param uncounted whether its response was not counted by {@link #streamResponded} (a failed stream)
     */
    void endStream(int streamId, boolean uncounted) {
        Retire start = null;
        Reuse reuse = null;
        boolean drained;
        c.lock.lock();
        try {
            drained = drain.streamEnded(streamId);
            long now = c.runtime.ticker().nanos();
            c.syncBytes(connection, now);
            if (uncounted) {
                c.onResponse(false, false, now);
            }
            if (!drain.draining() && !c.isRetired()) {
                Decision d = c.runtime.policy().decide(c, now);
                if (d instanceof Retire r) {
                    start = r;
                    begin(r);
                } else {
                    reuse = (Reuse) d;
                }
            }
            drained &= !c.isRetired();
        } finally {
            c.lock.unlock();
        }
        if (start != null) {
            startDrain(start);
        } else if (reuse != null) {
            c.runtime.listener().onReuse(c);
            c.applyIdleTimeout(reuse, null);
        }
        if (drained) {
            finishDrain(false);
        }
    }

    /** Starts the drain (under the lock); false when one runs already. */
    private boolean begin(Retire r) {
        if (!drain.begin(r)) {
            return false;
        }
        draining = r;
        return true;
    }

    /** Ends the drain (under the lock): the retirement for the machine, or null. */
    private Retire finish(boolean timedOut) {
        Retire r = timedOut ? drain.expire(c.runtime, c) : drain.finish();
        draining = null;
        return r;
    }

    /** Whether the GOAWAY of a draining connection is written and its last stream ended (under the lock). */
    private boolean drained() {
        return drain.drained() && !c.isRetired();
    }

    /** Sends the GOAWAY and arms the drain's deadline. */
    private void startDrain(Retire r) {
        LOG.debug("retiring {} with GOAWAY: {}", c, r);
        c.lock.lock();
        try {
            cancelReuseTimer();
            scheduleReuseTimer(drain.deadlineDelayNanos());
        } finally {
            c.lock.unlock();
        }
        Http2Sessions.goAway(connection, "retired: " + r.reason().name().toLowerCase(Locale.ROOT), this::onGoAwayWritten);
    }

    private void onGoAwayWritten() {
        boolean drained;
        c.lock.lock();
        try {
            drained = drain.goAwayWritten() && !c.isRetired();
        } finally {
            c.lock.unlock();
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
            LOG.debug("drain of {} timed out: {} streams reset", c, n);
        }
        c.lock.lock();
        try {
            if (!drain.draining() || c.isRetired()) {
                return;
            }
            Retire r = finish(timedOut);
            cancelReuseTimer();
            c.retireNow(r, true);
        } finally {
            c.lock.unlockAndPerform();
        }
    }

    /**
     * The server drains (under the lock): the retirement its {@code GOAWAY} announces, to be sent by
     * {@link #goAway} once the lock is released.
     */
    Retire announceServerDrain() {
        cancelReuseTimer();
        Retire r = c.runtime.retireAnnounced(c, RetireReason.DRAIN, c.unreadInput());
        begin(r);
        return r;
    }

    /** Sends the GOAWAY of {@link #announceServerDrain}; a connection with no stream in flight is retired at once. */
    void goAway(Retire r) {
        startDrain(r);
        boolean drained;
        c.lock.lock();
        try {
            drained = drained();
        } finally {
            c.lock.unlock();
        }
        if (drained) {
            finishDrain(false);
        }
    }

    /** An idle HTTP/2 connection (no stream for the policy's idle timeout) is retired with a GOAWAY. */
    void onIdle() {
        Retire r;
        c.lock.lock();
        try {
            if (c.isRetired() || drain.draining() || drain.inFlight() > 0) {
                return; // the close policy's or the streams' own deadlines apply
            }
            c.idle();
            r = c.runtime.retireIdle(c, c.runtime.ticker().nanos());
            if (r == null) {
                return;
            }
            begin(r);
        } finally {
            c.lock.unlock();
        }
        startDrain(r);
    }

    /**
     * When the peer or Jetty ends an HTTP/2 connection whose streams are still draining, the
     * retirement already decided becomes the machine's, so the event says why (under the lock).
     */
    boolean retireDraining() {
        if (!drain.draining() || c.isRetired()) {
            return false;
        }
        Retire r = finish(false);
        cancelReuseTimer();
        c.retireNow(r, false);
        return true;
    }

    /** The connection closes without its drain (under the lock): the drain's timers stop. */
    void abandonDrain() {
        drain.abandon();
        draining = null;
        cancelReuseTimer();
    }

    /** The maximum age (with jitter) came, or the drain ran out of time. */
    private void onReuseTimer(int generation) {
        Retire start = null;
        boolean drainExpired = false;
        c.lock.lock();
        try {
            if (!reuseTimer.fired(generation) || c.closed || c.isRetired()) {
                return;
            }
            if (drain.draining()) {
                drainExpired = true;
            } else {
                long now = c.runtime.ticker().nanos();
                if (drain.inFlight() > 0) {
                    c.touch(now); // busy: only its age can retire it now
                }
                Decision d = c.runtime.policy().decide(c, now);
                if (d instanceof Retire r) {
                    start = r;
                    begin(r);
                } else {
                    armAgeTimer((Reuse) d, now);
                }
            }
        } finally {
            c.lock.unlock();
        }
        if (start != null) {
            startDrain(start);
        } else if (drainExpired) {
            finishDrain(true);
        }
    }

    /** Arms the timer at the connection's jittered maximum age, if it has one (under the lock). */
    private void armAgeTimer(Reuse reuse, long now) {
        long at = reuse.retireAtNanos(c);
        if (at != Long.MAX_VALUE) {
            scheduleReuseTimer(Math.max(0, at - now));
        }
    }

    private void scheduleReuseTimer(long delayNanos) {
        reuseTimer.schedule(delayNanos);
    }

    /** Cancels the age or drain timer (under the lock). */
    void cancelReuseTimer() {
        reuseTimer.cancel();
    }
}
