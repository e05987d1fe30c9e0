package org.closepolicy.jetty;

import java.util.Objects;
import org.closepolicy.CloseListener;
import org.closepolicy.ClosePolicies;
import org.closepolicy.ClosePolicy;
import org.closepolicy.Closer;
import org.closepolicy.ConnectionView;
import org.closepolicy.Decision;
import org.closepolicy.Load;
import org.closepolicy.Retire;
import org.closepolicy.RetireReason;
import org.closepolicy.StandardClosePolicy;
import org.closepolicy.Ticker;
import org.closepolicy.kernel.AckWatcher;
import org.closepolicy.spi.AdapterRuntime;
import org.closepolicy.spi.LoadMonitor;

/**
 * What every connection of one connector (or one customizer) shares: the guarded policy, the
 * listener, the clock, the ack watcher and the load monitor; plus the few decisions the core
 * cannot make because only the adapter knows that Jetty closes a connection on its own.
 *
 * <p>Thread-safety: immutable; safe from any thread.
 */
final class PolicyEngine {

    private final AdapterRuntime runtime;
    private final ClosePolicy policy;
    private final ClosePolicy raw;

    PolicyEngine(AdapterRuntime runtime) {
        this.runtime = Objects.requireNonNull(runtime, "runtime");
        this.policy = runtime.policy();
        this.raw = runtime.source();
    }

    /** An engine with the defaults every adapter uses (tests). */
    static PolicyEngine of(ClosePolicy policy) {
        return new PolicyEngine(AdapterRuntime.builder(policy).build());
    }

    AdapterRuntime runtime() {
        return runtime;
    }

    ClosePolicy policy() {
        return policy;
    }

    ClosePolicy rawPolicy() {
        return raw;
    }

    CloseListener listener() {
        return runtime.listener();
    }

    Ticker ticker() {
        return runtime.ticker();
    }

    AckWatcher ackWatcher() {
        return runtime.ackWatcher();
    }

    LoadMonitor loadMonitor() {
        return runtime.load();
    }

    Load load() {
        return runtime.load();
    }

    /**
     * The retirement to carry out when Jetty ends the connection on its own (the client asked to
     * close with reuse.honour-client-close off, the application set {@code Connection: close}, the
     * request body was left unread, an error response): the policy's own retirement when it gives
     * one, else its settings' retirement for the application, adjusted as the core adjusts its own
     * decisions (rule 2: EOF-delimited clients get a server FIN; rule 3: unread input lingers).
     */
    Retire forcedRetire(ConnectionView view, long nowNanos) {
        Decision d = policy.decide(view, nowNanos);
        if (d instanceof Retire r) {
            return r;
        }
        return ClosePolicies.settingsFor(raw, view).retireAnnounced(RetireReason.APPLICATION, view.eofDelimited(), view.unreadInput());
    }

    /**
     * The retirement of a connection Jetty found idle between requests. Idle closes are always
     * server-first (no response is left to carry {@code Connection: close}); with client-first
     * settings they use the fallback (an ack-checked RST), as the core's own idle decision does.
     * Returns {@code null} when a custom policy wants to keep the connection.
     */
    Retire idleRetire(ConnectionView view, long nowNanos) {
        Decision d = policy.decide(view, nowNanos);
        if (d instanceof Retire r) {
            return r.closer() == Closer.SERVER_FIRST ? r : r.settings().retire(RetireReason.IDLE_TIMEOUT);
        }
        if (raw instanceof StandardClosePolicy sp) {
            return sp.settingsFor(view).retire(RetireReason.IDLE_TIMEOUT);
        }
        return null;
    }
}
