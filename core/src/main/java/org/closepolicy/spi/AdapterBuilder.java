package org.closepolicy.spi;

import java.util.Objects;
import org.closepolicy.CloseListener;
import org.closepolicy.ClosePolicy;
import org.closepolicy.Ticker;
import org.closepolicy.kernel.AckWatcher;

/**
 * The options every adapter's builder shares, with the same defaults everywhere: no extra listener,
 * {@link Ticker#system()}, {@link AckWatcher#shared()} (started on first use), a {@link LoadMonitor} that counts
 * open connections and samples no TIME_WAIT. An adapter's builder extends it and adds its framework's options.
 * <pre>{@code
 * public static final class Builder extends AdapterBuilder<Builder> {
 *     private Builder(ClosePolicy policy) { super(policy); }
 *     public MyAdapter build() { return new MyAdapter(runtime()); }
 * }
 * }</pre>
 *
 * <p>Thread-safety: not thread-safe; use from one thread, then build.
 *
 * @param <B> the adapter's builder type, returned by every option
 */
public abstract class AdapterBuilder<B extends AdapterBuilder<B>> {

    final ClosePolicy policy;
    CloseListener listener;
    Ticker ticker = Ticker.system();
    AckWatcher ackWatcher;
    LoadMonitor load;
    PeerMemory peers;

    /** A builder for a server using {@code policy}. */
    protected AdapterBuilder(ClosePolicy policy) {
        this.policy = Objects.requireNonNull(policy, "policy");
    }

    @SuppressWarnings("unchecked")
    private B self() {
        return (B) this;
    }

    /** Also report every connection to this listener (called on the connections' threads; must not block). */
    public B listener(CloseListener listener) {
        this.listener = Objects.requireNonNull(listener, "listener");
        return self();
    }

    /** The time source of the policy and the close deadlines (default {@link Ticker#system()}). */
    public B ticker(Ticker ticker) {
        this.ticker = Objects.requireNonNull(ticker, "ticker");
        return self();
    }

    /** The watcher that proves every byte acknowledged before an RST (default {@link AckWatcher#shared()}). */
    public B ackWatcher(AckWatcher ackWatcher) {
        this.ackWatcher = Objects.requireNonNull(ackWatcher, "ackWatcher");
        return self();
    }

    /** The load monitor connections report to and load rules read (default: counts open connections, no TIME_WAIT). */
    public B loadMonitor(LoadMonitor load) {
        this.load = Objects.requireNonNull(load, "loadMonitor");
        return self();
    }

    /**
     * The memory of HTTP/1.0 peers' habits (default: a new {@link PeerMemory} on the ticker, 4,096 addresses,
     * forgotten a minute after they were last confirmed); share one between servers that see the same peers.
     */
    public B peerMemory(PeerMemory peers) {
        this.peers = Objects.requireNonNull(peers, "peerMemory");
        return self();
    }

    /** The runtime these options describe; each call builds a new one. */
    protected final AdapterRuntime runtime() {
        return AdapterRuntime.of(this);
    }
}
