package org.closepolicy.spi;

import org.closepolicy.CloseListener;
import org.closepolicy.ClosePolicies;
import org.closepolicy.ClosePolicy;
import org.closepolicy.CloseStats;
import org.closepolicy.Closer;
import org.closepolicy.ConnectionView;
import org.closepolicy.Decision;
import org.closepolicy.Retire;
import org.closepolicy.RetireReason;
import org.closepolicy.StandardClosePolicy;
import org.closepolicy.Ticker;
import org.closepolicy.kernel.AckWatcher;

/**
 * What every connection of one server shares, the same for every adapter: the guarded policy, the
 * statistics, the listener (the statistics first, then the user's, each call guarded), the clock, the
 * ack watcher and the load monitor. An adapter builds one from its own builder's settings, so that a
 * rule, a listener or a load condition means the same on every framework.
 *
 * <pre>{@code
 * AdapterRuntime runtime = AdapterRuntime.builder(ClosePolicies.safeReset())
 *         .listener(event -> log.debug("{}", event))
 *         .build();
 * ConnectionRecord record = new ConnectionRecord(Protocol.HTTP1, remote, local, runtime.ticker().nanos(), runtime.load(),
 *         runtime.peers());
 * runtime.opened(record);
 * }</pre>
 *
 * <p>Defaults: no extra listener, {@link Ticker#system()}, {@link AckWatcher#shared()} (started on first
 * use), a {@link LoadMonitor} that counts open connections and samples no TIME_WAIT.
 *
 * <p>Thread-safety: immutable and thread-safe; share one instance across all connections of a server.
 */
public final class AdapterRuntime {

    private final ClosePolicy source;
    private final ClosePolicy policy;
    private final CloseStats stats = new CloseStats();
    private final CloseListener listener;
    private final Ticker ticker;
    private final AckWatcher ackWatcher;
    private final LoadMonitor load;
    private final PeerMemory peers;
    private final ConnectionRegistry connections = new ConnectionRegistry();

    private AdapterRuntime(AdapterBuilder<?> b) {
        this.source = b.policy;
        this.policy = ClosePolicies.guarded(b.policy);
        // Composite even without a user listener: its calls are guarded, so a listener never breaks a connection.
        // The registry forgets each connection on its close event, so that a drain knows when it is over.
        this.listener = b.listener == null ? CloseListener.composite(stats, connections)
                : CloseListener.composite(stats, connections, b.listener);
        this.ticker = b.ticker;
        this.ackWatcher = b.ackWatcher;
        this.load = b.load == null ? new LoadMonitor() : b.load;
        this.peers = b.peers == null ? new PeerMemory(ticker) : b.peers;
        stats.peers(peers);
    }

    /** A builder for a server using {@code policy}. */
    public static Builder builder(ClosePolicy policy) {
        return new Builder(policy);
    }

    /** The policy as given. */
    public ClosePolicy source() {
        return source;
    }

    /** The policy as applied: the one given, guarded (see {@link ClosePolicies#guarded}). */
    public ClosePolicy policy() {
        return policy;
    }

    /** The statistics of every connection (always collected, besides any listener). */
    public CloseStats stats() {
        return stats;
    }

    /** The listener connections report to: the statistics, then the user's listener; never throws. */
    public CloseListener listener() {
        return listener;
    }

    /** The time source of the policy and the close deadlines. */
    public Ticker ticker() {
        return ticker;
    }

    /** The ack watcher: the one given, else the shared one (started on first use). */
    public AckWatcher ackWatcher() {
        return ackWatcher != null ? ackWatcher : AckWatcher.shared();
    }

    /** The load the policy sees: open connections, and TIME_WAIT if a sampler was given. */
    public LoadMonitor load() {
        return load;
    }

    /**
     * What the connections learned about HTTP/1.0 peers (whether each address closes first or reads to EOF),
     * shared by all of them; also in {@link #stats()}' JSON. Give it to every {@link ConnectionRecord}.
     */
    public PeerMemory peers() {
        return peers;
    }

    // ------------------------------------------------------------------ forced retirements
    // When the policy said "reuse" but the connection cannot go on, the adapter still closes the policy's way:
    // these use the settings the policy would use for this connection, so bounds and fallbacks stay the user's.

    /**
     * The client was told that this is the last response ({@code Connection: close}, the end of an application
     * exchange, a {@code GOAWAY}): the policy's own who and how apply, adjusted as the core adjusts its own
     * decisions (rule 2: an EOF-delimited client gets a server FIN; rule 3: unread input lingers).
     */
    public Retire retireAnnounced(ConnectionView view, RetireReason reason, boolean unreadInput) {
        return ClosePolicies.settingsFor(source, view).retireAnnounced(reason, view, unreadInput);
    }

    /**
     * The client does not expect the close (an idle connection the application closes, a request that could not
     * be decoded): the server closes first, with the mode the policy uses when it cannot wait for the client.
     */
    public Retire retireUnannounced(ConnectionView view, RetireReason reason, boolean unreadInput) {
        return ClosePolicies.settingsFor(source, view).retireUnannounced(reason, unreadInput);
    }

    /** The client waits for EOF (a response without length, an application closing mid-exchange): a prompt FIN. */
    public Retire retireAtEndOfStream(ConnectionView view, boolean unreadInput) {
        return ClosePolicies.settingsFor(source, view).retireAnnounced(RetireReason.EOF_DELIMITED, true, unreadInput);
    }

    /**
     * The retirement when the framework ends a connection on its own after a response (the application set
     * {@code Connection: close}, an error response): the policy's own retirement when it gives one, else
     * {@link #retireAnnounced} for the application.
     */
    public Retire retireForced(ConnectionView view, long nowNanos) {
        Decision d = policy.decide(view, nowNanos);
        if (d instanceof Retire r) {
            return r;
        }
        return retireAnnounced(view, RetireReason.APPLICATION, view.unreadInput());
    }

    /**
     * The retirement of a connection found idle between requests. Idle closes are server-first (no response is
     * left to carry {@code Connection: close}); with client-first settings they use the fallback (an
     * ack-checked RST), as the core's own idle decision does. Returns {@code null} when a custom policy wants to
     * keep the connection.
     */
    public Retire retireIdle(ConnectionView view, long nowNanos) {
        Decision d = policy.decide(view, nowNanos);
        if (d instanceof Retire r) {
            return r.closer() == Closer.SERVER_FIRST ? r : r.settings().retire(RetireReason.IDLE_TIMEOUT);
        }
        if (source instanceof StandardClosePolicy sp) {
            return sp.settingsFor(view).retire(RetireReason.IDLE_TIMEOUT);
        }
        return null;
    }

    /**
     * The server's live connections, for {@link ConnectionRegistry#drain(java.time.Duration) draining} them: an
     * adapter registers each connection when it opens; the listener above forgets it when it closes.
     */
    public ConnectionRegistry connections() {
        return connections;
    }

    @Override
    public String toString() {
        return "AdapterRuntime[" + source + "]";
    }

    /**
     * Builds an {@link AdapterRuntime}.
     *
     * <p>Thread-safety: not thread-safe; use from one thread, then call {@link #build()}.
     */
    public static final class Builder extends AdapterBuilder<Builder> {
        private Builder(ClosePolicy policy) {
            super(policy);
        }


        /** Builds the runtime. */
        public AdapterRuntime build() {
            return runtime();
        }
    }

    static AdapterRuntime of(AdapterBuilder<?> b) {
        return new AdapterRuntime(b);
    }
}
