package org.closepolicy.jetty;

import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import org.closepolicy.Retire;
import org.closepolicy.RetireReason;
import org.closepolicy.spi.ConnectionRegistry;
import org.closepolicy.spi.DrainStep;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One connection as the connector's drain sees it: HTTP/2 sends its {@code GOAWAY} at once; HTTP/1
 * retires with its next response ({@code Connection: close}), or, quiet for the idle grace, by the
 * policy's idle retirement; the drain's deadline closes what is left with a FIN.
 * <pre>{@code
 * registry.register(control.drain());   // when the endpoint opens
 * }</pre>
 *
 * <p>Thread-safety: thread-safe; {@link #drain} and {@link #cut} hand the work to Jetty's executor,
 * which runs it under the connection's lock.
 */
final class ConnectionDrain {

    private static final Logger LOG = LoggerFactory.getLogger(ConnectionDrain.class);

    private final ConnectionControl c;

    // Guarded by the lock (requested is read without it by the commit's fast path).
    private volatile boolean requested;
    private boolean started;
    private long startedAt;
    private long idleGraceNanos;

    ConnectionDrain(ConnectionControl control) {
        this.c = control;
    }

    void drain(long idleGraceNanos) {
        requested = true; // at once: a response committing before the task runs is already the last one
        c.runOnJettyThread(() -> startDraining(idleGraceNanos));
    }

    void cut() {
        c.runOnJettyThread(this::cutByDrain);
    }

    /** Whether the server drains: no response is reused from now on. */
    boolean requested() {
        return requested;
    }

    /** Tells the drain how this connection began to end (the first step counts). */
    void step(DrainStep step) {
        ConnectionRegistry.step(c.runtime.connections(), requested, c.id(), step);
    }

    /** As {@link #step} for a connection the drain may not have reached (then nothing is counted). */
    static void step(ConnectionControl c, DrainStep step) {
        if (c.drainRequested()) {
            c.drainState().step(step);
        }
    }

    /**
     * The server drains: HTTP/2 sends its GOAWAY now; HTTP/1 retires with its next response (see the
     * commit), or, quiet for the idle grace, by the policy's idle retirement.
     */
    private void startDraining(long graceNanos) {
        Retire goAway = null;
        c.lock.lock();
        try {
            if (c.closed || c.isClosed() || started) {
                return;
            }
            started = true;
            startedAt = c.runtime.ticker().nanos();
            idleGraceNanos = Math.max(0, graceNanos);
            if (c.isRetired() || Http2Retirement.drainingOf(c.http2) != null) {
                return; // already closing the policy's way
            }
            if (Http2Retirement.isActive(c.http2)) {
                step(DrainStep.GOAWAY);
                goAway = c.http2.announceServerDrain();
            } else {
                armTimer(0);
            }
        } finally {
            c.lock.unlock();
        }
        if (goAway != null) {
            c.http2.goAway(goAway);
        }
    }

    private void armTimer(long delayNanos) {
        try {
            c.scheduler().schedule(this::onTimer, delayNanos, TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException e) {
            LOG.debug("drain timer rejected for {}", c, e);
        }
    }

    /**
     * An HTTP/1 connection of a drain with no exchange in flight that has moved no byte for the idle grace
     * (since the drain began) ends by the policy's idle retirement; a request arriving before is answered with
     * {@code Connection: close} instead, which no idle close can race with.
     */
    private void onTimer() {
        c.lock.lock();
        try {
            if (c.closed || c.isRetired() || Http2Retirement.isActive(c.http2) || Http2Retirement.drainingOf(c.http2) != null) {
                return;
            }
            boolean exchangeActive = c.http1.exchangeActive;
            long quiet = Math.min(TimeUnit.MILLISECONDS.toNanos(c.endPoint.getIdleFor()), c.runtime.ticker().nanos() - startedAt);
            if (exchangeActive || quiet < idleGraceNanos) {
                armTimer(exchangeActive ? Math.max(idleGraceNanos, TimeUnit.MILLISECONDS.toNanos(10)) : idleGraceNanos - quiet);
                return;
            }
            step(DrainStep.IDLE_CLOSED);
            c.idle();
            c.retireNow(c.runtime.retireUnannounced(c, RetireReason.DRAIN, c.unreadInput()), true);
        } finally {
            c.lock.unlockAndPerform();
        }
    }

    /** The drain's deadline: close now, gracefully (a FIN after everything written). */
    private void cutByDrain() {
        c.lock.lock();
        try {
            if (c.closed || c.isClosed()) {
                return;
            }
            c.retired = true;
            if (c.http2 != null) {
                c.http2.abandonDrain();
            }
            c.machine().abort();
        } finally {
            c.lock.unlockAndPerform();
        }
    }
}
