package org.closepolicy.jetty;

import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import org.closepolicy.Retire;
import org.closepolicy.RetireReason;
import org.closepolicy.spi.ConnectionRegistry;
import org.closepolicy.spi.DrainStep;
import org.closepolicy.spi.DrainableConnection;
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
final class ConnectionDrain implements DrainableConnection {

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

    @Override
    public long id() {
        return c.record.id();
    }

    @Override
    public void drain(long idleGraceNanos) {
        requested = true; // at once: a response committing before the task runs is already the last one
        c.transport.runOnJettyThread(() -> startDraining(idleGraceNanos));
    }

    @Override
    public void cut() {
        c.transport.runOnJettyThread(this::cutByDrain);
    }

    /** Whether the server drains: no response is reused from now on. */
    boolean requested() {
        return requested;
    }

    /** Tells the drain how this connection began to end (the first step counts). */
    void step(DrainStep step) {
        ConnectionRegistry.step(c.runtime.connections(), requested, c.record.id(), step);
    }

    /**
     * The server drains: HTTP/2 sends its GOAWAY now; HTTP/1 retires with its next response (see the
     * commit), or, quiet for the idle grace, by the policy's idle retirement.
     */
    private void startDraining(long graceNanos) {
        Retire goAway = null;
        c.transport.lock();
        try {
            if (c.closed || c.machine.isClosed() || started) {
                return;
            }
            started = true;
            startedAt = c.runtime.ticker().nanos();
            idleGraceNanos = Math.max(0, graceNanos);
            if (c.machine.isRetired() || c.http2.draining() != null) {
                return; // already closing the policy's way
            }
            if (c.http2.active()) {
                step(DrainStep.GOAWAY);
                goAway = c.http2.announceServerDrain();
            } else {
                armTimer(0);
            }
        } finally {
            c.transport.unlock();
        }
        if (goAway != null) {
            c.http2.goAway(goAway);
        }
    }

    private void armTimer(long delayNanos) {
        try {
            c.scheduler.schedule(this::onTimer, delayNanos, TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException e) {
            LOG.debug("drain timer rejected for {}", c.record, e);
        }
    }

    /**
     * An HTTP/1 connection of a drain with no exchange in flight that has moved no byte for the idle grace
     * (since the drain began) ends by the policy's idle retirement; a request arriving before is answered with
     * {@code Connection: close} instead, which no idle close can race with.
     */
    private void onTimer() {
        c.transport.lock();
        try {
            if (c.closed || c.machine.isRetired() || c.http2.active() || c.http2.draining() != null) {
                return;
            }
            boolean exchangeActive = c.http1.exchangeActive;
            long quiet = Math.min(TimeUnit.MILLISECONDS.toNanos(c.endPoint.getIdleFor()), c.runtime.ticker().nanos() - startedAt);
            if (exchangeActive || quiet < idleGraceNanos) {
                armTimer(exchangeActive ? Math.max(idleGraceNanos, TimeUnit.MILLISECONDS.toNanos(10)) : idleGraceNanos - quiet);
                return;
            }
            step(DrainStep.IDLE_CLOSED);
            c.record.idle();
            c.retireNow(c.runtime.retireUnannounced(c.record, RetireReason.DRAIN, c.record.unreadInput()), true);
        } finally {
            c.transport.unlockAndPerform();
        }
    }

    /** The drain's deadline: close now, gracefully (a FIN after everything written). */
    private void cutByDrain() {
        c.transport.lock();
        try {
            if (c.closed || c.machine.isClosed()) {
                return;
            }
            c.retired = true;
            c.http2.abandonDrain();
            c.machine.abort();
        } finally {
            c.transport.unlockAndPerform();
        }
    }
}
