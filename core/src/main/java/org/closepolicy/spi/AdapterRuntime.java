package org.closepolicy.spi;

import java.util.Objects;
import org.closepolicy.CloseListener;
import org.closepolicy.ClosePolicies;
import org.closepolicy.ClosePolicy;
import org.closepolicy.CloseStats;
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
 * ConnectionRecord record = new ConnectionRecord(Protocol.HTTP1, remote, local, runtime.ticker().nanos(), runtime.load());
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

    private AdapterRuntime(Builder b) {
        this.source = b.policy;
        this.policy = ClosePolicies.guarded(b.policy);
        // Composite even without a user listener: its calls are guarded, so a listener never breaks a connection.
        this.listener = b.listener == null ? CloseListener.composite(stats) : CloseListener.composite(stats, b.listener);
        this.ticker = b.ticker;
        this.ackWatcher = b.ackWatcher;
        this.load = b.load == null ? new LoadMonitor() : b.load;
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

    @Override
    public String toString() {
        return "AdapterRuntime[" + source + "]";
    }

    /**
     * Builds an {@link AdapterRuntime}; adapters' own builders keep one and pass their settings on.
     *
     * <p>Thread-safety: not thread-safe; use from one thread, then call {@link #build()}.
     */
    public static final class Builder {
        private final ClosePolicy policy;
        private CloseListener listener;
        private Ticker ticker = Ticker.system();
        private AckWatcher ackWatcher;
        private LoadMonitor load;

        private Builder(ClosePolicy policy) {
            this.policy = Objects.requireNonNull(policy, "policy");
        }

        /** Also report every connection to this listener (called on the connections' threads; must not block). */
        public Builder listener(CloseListener listener) {
            this.listener = Objects.requireNonNull(listener, "listener");
            return this;
        }

        /** The time source of the policy and the close deadlines (default {@link Ticker#system()}). */
        public Builder ticker(Ticker ticker) {
            this.ticker = Objects.requireNonNull(ticker, "ticker");
            return this;
        }

        /** The watcher that tells when every byte is acknowledged before an RST (default {@link AckWatcher#shared()}). */
        public Builder ackWatcher(AckWatcher ackWatcher) {
            this.ackWatcher = Objects.requireNonNull(ackWatcher, "ackWatcher");
            return this;
        }

        /** The load monitor connections report to and load rules read (default: counts connections, no TIME_WAIT). */
        public Builder loadMonitor(LoadMonitor load) {
            this.load = Objects.requireNonNull(load, "loadMonitor");
            return this;
        }

        /** Builds the runtime. */
        public AdapterRuntime build() {
            return new AdapterRuntime(this);
        }
    }
}
