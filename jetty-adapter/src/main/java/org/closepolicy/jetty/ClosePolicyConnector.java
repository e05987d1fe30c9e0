package org.closepolicy.jetty;

import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.util.Objects;
import java.util.concurrent.Executor;
import org.closepolicy.CloseListener;
import org.closepolicy.ClosePolicy;
import org.closepolicy.CloseStats;
import org.closepolicy.Ticker;
import org.closepolicy.kernel.AckWatcher;
import org.closepolicy.spi.LoadMonitor;
import org.eclipse.jetty.io.ByteBufferPool;
import org.eclipse.jetty.io.ManagedSelector;
import org.eclipse.jetty.server.ConnectionFactory;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.thread.Scheduler;

/**
 * A {@link ServerConnector} whose connections are reused, retired and closed as a
 * {@link ClosePolicy} says: who sends the first FIN (server or client), how the server ends its side
 * (FIN, lingering close, or an RST that cannot lose data), and when a connection is kept.
 *
 * <pre>{@code
 * Server server = new Server();
 * ClosePolicyConnector connector = new ClosePolicyConnector(server, ClosePolicies.clientFirst());
 * connector.setPort(8080);
 * server.addConnector(connector);
 * server.setHandler(new Handler.Abstract() {
 *     public boolean handle(Request request, Response response, Callback callback) {
 *         response.getHeaders().put(HttpHeader.CONTENT_TYPE, "text/plain");
 *         Content.Sink.write(response, true, "hello", callback);
 *         return true;
 *     }
 * });
 * server.start();
 * // ... later: connector.stats().toJson()
 * }</pre>
 * With options:
 * <pre>{@code
 * ClosePolicyConnector connector = ClosePolicyConnector.builder(server, ClosePolicy.parse("safe-reset, close.client-wait=1s"))
 *         .listener(event -> log.debug("{}", event))
 *         .factories(new HttpConnectionFactory(httpConfig))
 *         .build();
 * }</pre>
 *
 * <p>The connector installs a {@link ClosePolicyCustomizer} into the {@link HttpConfiguration} of
 * each of its HTTP connection factories (unless one is there already), and creates a
 * {@link ClosePolicyEndPoint} for every accepted socket. The policy is wrapped with
 * {@link org.closepolicy.ClosePolicies#guarded}: if it throws or returns null, the connection gets
 * the safe default (server-first lingering close), and the failure is logged once.
 *
 * <p><b>Timeouts.</b> The connector's idle timeout still bounds the wait for the first request and
 * reads and writes within an exchange. Between requests of a kept connection the policy's idle
 * timeout applies. Once a connection is retired, the policy's bounds ({@code clientWait},
 * {@code ackWait}, lingering, {@code flushTimeout}) apply and the connector's idle timeout is
 * ignored, so a client-first wait longer than the idle timeout is not cut short by a server FIN.
 *
 * <p><b>Scope.</b> Who-closes-first and how apply to cleartext HTTP/1.x connections. Connections
 * that speak another protocol (HTTP/2, an upgrade, TLS) close as Jetty closes them, and still
 * report one {@link org.closepolicy.CloseEvent}; TLS requests still get the reuse decisions.
 *
 * <p>Thread-safety: thread-safe, as any Jetty connector; configure it before {@code server.start()}.
 */
public class ClosePolicyConnector extends ServerConnector {

    private final PolicyEngine engine;
    private final CloseStats stats;
    private final ClosePolicyCustomizer customizer;

    /** A connector with an HTTP/1.1 connection factory (default configuration) enforcing this policy. */
    public ClosePolicyConnector(Server server, ClosePolicy policy) {
        this(builder(server, policy));
    }

    /** A connector with these connection factories enforcing this policy. */
    public ClosePolicyConnector(Server server, ClosePolicy policy, ConnectionFactory... factories) {
        this(builder(server, policy).factories(factories));
    }

    private ClosePolicyConnector(Builder b) {
        super(b.server, b.executor, b.scheduler, b.bufferPool, b.acceptors, b.selectors, b.factoriesOrDefault());
        this.stats = new CloseStats();
        CloseListener listener = b.listener == null ? stats : CloseListener.composite(stats, b.listener);
        this.engine = new PolicyEngine(b.policy, listener, b.ticker, b.ackWatcher, b.loadMonitor);
        this.customizer = new ClosePolicyCustomizer(engine);
        installCustomizers();
    }

    /**
     * A builder for a connector enforcing this policy.
     *
     * <p>Defaults: an HTTP/1.1 connection factory, the server's executor and scheduler, no extra
     * listener (the connector's {@link #stats()} always count), {@link Ticker#system()}, the shared
     * {@link AckWatcher}, no load monitor (load rules then see no load).
     */
    public static Builder builder(Server server, ClosePolicy policy) {
        return new Builder(server, policy);
    }

    /** Counters of every connection's close, aggregated from the {@link org.closepolicy.CloseEvent}s. */
    public CloseStats stats() {
        return stats;
    }

    /** The policy enforced, as guarded. */
    public ClosePolicy policy() {
        return engine.policy();
    }

    /** The customizer this connector installs into its HTTP configurations. */
    public ClosePolicyCustomizer customizer() {
        return customizer;
    }

    @Override
    protected void doStart() throws Exception {
        installCustomizers(); // factories may have been added after construction
        super.doStart();
    }

    private void installCustomizers() {
        for (ConnectionFactory f : getConnectionFactories()) {
            if (f instanceof HttpConfiguration.ConnectionFactory hf) {
                HttpConfiguration config = hf.getHttpConfiguration();
                if (config != null && config.getCustomizer(ClosePolicyCustomizer.class) == null) {
                    config.addCustomizer(customizer);
                }
            }
        }
    }

    @Override
    protected ClosePolicyEndPoint newEndPoint(SocketChannel channel, ManagedSelector selector, SelectionKey key) {
        ClosePolicyEndPoint endPoint = new ClosePolicyEndPoint(channel, selector, key, getScheduler(), getExecutor(), engine);
        endPoint.setIdleTimeout(getIdleTimeout());
        return endPoint;
    }

    @Override
    public String toString() {
        return super.toString() + "[" + engine.policy() + "]";
    }

    /**
     * Configures a {@link ClosePolicyConnector}; see {@link ClosePolicyConnector#builder} for the defaults.
     *
     * <pre>{@code
     * Server server = new Server();
     * ClosePolicyConnector connector = ClosePolicyConnector.builder(server, ClosePolicies.clientFirst())
     *         .listener(event -> metrics.record(event))
     *         .loadMonitor(new LoadMonitor(sampler::serverTimeWait))
     *         .factories(new HttpConnectionFactory(httpConfig))
     *         .build();
     * connector.setPort(8080);
     * server.addConnector(connector);
     * }</pre>
     *
     * <p>Thread-safety: not thread-safe; use from one thread, then call {@link #build()}.
     */
    public static final class Builder {
        private final Server server;
        private final ClosePolicy policy;
        private CloseListener listener;
        private Ticker ticker = Ticker.system();
        private AckWatcher ackWatcher;
        private LoadMonitor loadMonitor;
        private ConnectionFactory[] factories = new ConnectionFactory[0];
        private Executor executor;
        private Scheduler scheduler;
        private ByteBufferPool bufferPool;
        private int acceptors = -1;
        private int selectors = -1;

        private Builder(Server server, ClosePolicy policy) {
            this.server = Objects.requireNonNull(server, "server");
            this.policy = Objects.requireNonNull(policy, "policy");
        }

        /** Receives every connection's open, reuse, retirement and {@link org.closepolicy.CloseEvent} (besides {@link #stats()}). */
        public Builder listener(CloseListener listener) {
            this.listener = Objects.requireNonNull(listener, "listener");
            return this;
        }

        /** The clock of decisions and close deadlines (default {@link Ticker#system()}). */
        public Builder ticker(Ticker ticker) {
            this.ticker = Objects.requireNonNull(ticker, "ticker");
            return this;
        }

        /** The watcher proving every byte acknowledged before a fallback RST (default {@link AckWatcher#shared()}). */
        public Builder ackWatcher(AckWatcher ackWatcher) {
            this.ackWatcher = Objects.requireNonNull(ackWatcher, "ackWatcher");
            return this;
        }

        /** Counts this connector's open connections and feeds load rules (none by default). */
        public Builder loadMonitor(LoadMonitor loadMonitor) {
            this.loadMonitor = Objects.requireNonNull(loadMonitor, "loadMonitor");
            return this;
        }

        /** The connection factories (default: one {@link HttpConnectionFactory}). */
        public Builder factories(ConnectionFactory... factories) {
            Objects.requireNonNull(factories, "factories");
            for (ConnectionFactory f : factories) {
                Objects.requireNonNull(f, "factories must not contain null");
            }
            this.factories = factories.clone();
            return this;
        }

        /** The executor (default: the server's thread pool). */
        public Builder executor(Executor executor) {
            this.executor = executor;
            return this;
        }

        /** The scheduler of timers (default: the server's). */
        public Builder scheduler(Scheduler scheduler) {
            this.scheduler = scheduler;
            return this;
        }

        /** The buffer pool (default: the server's). */
        public Builder bufferPool(ByteBufferPool bufferPool) {
            this.bufferPool = bufferPool;
            return this;
        }

        /** Acceptor threads (default -1: Jetty's choice). */
        public Builder acceptors(int acceptors) {
            this.acceptors = acceptors;
            return this;
        }

        /** Selector threads (default -1: Jetty's choice). */
        public Builder selectors(int selectors) {
            this.selectors = selectors;
            return this;
        }

        private ConnectionFactory[] factoriesOrDefault() {
            return factories.length == 0 ? new ConnectionFactory[] {new HttpConnectionFactory()} : factories;
        }

        /** Builds the connector (not yet added to the server). */
        public ClosePolicyConnector build() {
            return new ClosePolicyConnector(this);
        }
    }
}
