package org.closepolicy.jetty;

import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import org.closepolicy.CloseListener;
import org.closepolicy.ClosePolicy;
import org.closepolicy.CloseStats;
import org.closepolicy.DrainReport;
import org.closepolicy.Ticker;
import org.closepolicy.kernel.AckWatcher;
import org.closepolicy.spi.AdapterBuilder;
import org.closepolicy.spi.AdapterRuntime;
import org.closepolicy.spi.LoadMonitor;
import org.eclipse.jetty.io.ByteBufferPool;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.io.ManagedSelector;
import org.eclipse.jetty.server.ConnectionFactory;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.SslConnectionFactory;
import org.eclipse.jetty.util.ssl.SslContextFactory;
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
 * <p><b>TLS.</b> With an {@link SslConnectionFactory} in front ({@link Builder#tls}) every mode
 * works below TLS: the endpoint is the raw TCP one under Jetty's {@code SslConnection}.
 * <ul>
 *   <li>{@code server-fin}, {@code lingering}: {@code close_notify}, then the FIN.</li>
 *   <li>{@code client-first}: {@code close_notify} right after the last response (Jetty's own
 *       signal that it is done), then the FIN waits for the client's {@code close_notify} or FIN,
 *       which is recorded as {@link org.closepolicy.WhoClosed#REMOTE_FIN}.</li>
 *   <li>{@code safe-reset}: as client-first, then an RST in reply to the client's close.</li>
 *   <li>An RST that the server sends on its own (the fallback after {@code clientWait}, an idle
 *       connection under client-first settings) sends no {@code close_notify}: an RST throws away
 *       the send queue, so the alert could not arrive anyway. Such an RST waits until the kernel
 *       shows every byte acknowledged, TLS records included, as in cleartext.</li>
 * </ul>
 * <pre>{@code
 * SslContextFactory.Server tls = new SslContextFactory.Server();
 * tls.setKeyStorePath("/etc/tls/keystore.p12");
 * tls.setKeyStorePassword(password);
 * ClosePolicyConnector connector = ClosePolicyConnector.builder(server, ClosePolicies.clientFirst())
 *         .tls(tls)
 *         .http2()             // ALPN: h2, then http/1.1
 *         .build();
 * connector.setPort(8443);
 * }</pre>
 *
 * <p><b>HTTP/2.</b> With {@link Builder#http2()} (or Jetty's {@code HTTP2ServerConnectionFactory}
 * behind ALPN, or {@code HTTP2CServerConnectionFactory} for h2c) each stream counts as one request
 * of its connection. After each stream, at the connection's (jittered) maximum age and when no
 * stream ran for the policy's idle timeout, the policy decides for the connection; a retirement
 * sends one {@code GOAWAY} ({@code NO_ERROR}, the last stream id accepted), lets the streams in
 * flight end, bounded by {@code reuse.drain-timeout} (then resets them), and then closes as the
 * policy says: client-first waits for the client's FIN, which it sends once its streams are done.
 * New requests of the client go to a new connection; clients that follow RFC 9113 retry the streams
 * above the last stream id there. Once the streams are over, the client's own {@code GOAWAY} is
 * discarded below Jetty, so that Jetty's session does not close the socket ahead of the client's
 * FIN. JDK {@code HttpClient} before Java 24 fails every stream still in
 * flight when any {@code GOAWAY} arrives, so retire its connections between requests
 * ({@code reuse.max-requests}), not in the middle of long streams. How Jetty's own settings
 * combine with the policy: {@code maxConcurrentStreams} only bounds the streams in flight, the
 * policy counts them all; the connector's idle timeout is replaced on each kept connection by the
 * policy's {@code reuse.idle-timeout}; Jetty's stream idle timeout still ends a stuck stream.
 *
 * <p><b>Scope.</b> Connections that speak another protocol (an upgrade to WebSocket, a custom
 * factory) close as Jetty closes them, and still report one {@link org.closepolicy.CloseEvent}.
 *
 * <pre>{@code
 * // cleartext HTTP/2 (prior knowledge, or the HTTP/1.1 Upgrade that JDK HttpClient uses) besides HTTP/1.1
 * ClosePolicyConnector h2c = ClosePolicyConnector.builder(server, ClosePolicy.parse("keep-alive, reuse.max-requests=500"))
 *         .http2()
 *         .build();
 * }</pre>
 *
 * <p>Thread-safety: thread-safe, as any Jetty connector; configure it before {@code server.start()}.
 */
public class ClosePolicyConnector extends ServerConnector {

    private final AdapterRuntime runtime;
    private final CloseStats stats;
    private final ClosePolicyCustomizer customizer;
    private volatile ConnectorDeadlines deadlines; // one per start: a stop drops the scheduler's tasks (the sweep's too)

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
        this.runtime = b.buildRuntime();
        this.stats = runtime.stats();
        // Jetty's graceful stop would shorten every endpoint's idle timeout, failing slow exchanges; the drain
        // bounds each connection itself (see shutdown()).
        setShutdownIdleTimeout(-1);
        this.customizer = new ClosePolicyCustomizer(runtime);
        installCustomizers();
        if (Http2Sessions.AVAILABLE) {
            addEventListener(new Http2Opened());
        }
        if (!b.connectorsAddedAfterStart) {
            b.server.addEventListener(new NotAddedCheck(this));
        }
    }

    /** Tells an endpoint's policy state that its connection speaks HTTP/2 as soon as Jetty opens it. */
    private static final class Http2Opened implements Connection.Listener {
        @Override
        public void onOpened(Connection connection) {
            ControlLookup.http2Of(connection);
        }
    }

    /**
     * A builder for a connector enforcing this policy.
     *
     * <p>Defaults: an HTTP/1.1 connection factory, the server's executor and scheduler, no extra
     * listener (the connector's {@link #stats()} always count), {@link Ticker#system()}, the shared
     * {@link AckWatcher}, a {@link LoadMonitor} that counts open connections (no TIME_WAIT sampling), as
     * on every adapter (see {@link AdapterRuntime}).
     */
    public static Builder builder(Server server, ClosePolicy policy) {
        return new Builder(server, policy);
    }

    /**
     * Drains every connection of this connector the policy's way, for a deploy or a restart: from now on no
     * connection is reused. HTTP/1: the response in flight (or the next one) carries {@code Connection: close}
     * and the policy's close follows (client-first: the client closes, so no server TIME_WAIT); a connection with
     * no request in flight that moves no byte for the idle grace (1 s, at most half the timeout) is closed by the
     * policy's idle retirement. HTTP/2: one graceful {@code GOAWAY}, the streams in flight finish, then the
     * policy's close. At {@code timeout} the connections still open are closed gracefully (a FIN, never an RST).
     *
     * <p>Jetty's own graceful stop calls it: {@code server.setStopTimeout(ms); server.stop();} closes the listening
     * socket, then drains within the stop timeout (see {@link #shutdown()}); {@code drain} called afterwards
     * returns the same report.
     * <pre>{@code
     * server.setStopTimeout(10_000);
     * server.stop();                                              // stop accepting, drain, stop
     * DrainReport report = connector.drain(Duration.ZERO).join(); // the report of that drain
     * }</pre>
     * The future completes (off Jetty's threads) when the last connection has closed, or about a second after the
     * deadline; a second call returns the first drain's future.
     */
    public CompletableFuture<DrainReport> drain(Duration timeout) {
        return runtime.connections().drain(timeout);
    }

    /** As {@link #drain(Duration)}, giving quiet connections {@code idleGrace} for a last request before closing them. */
    public CompletableFuture<DrainReport> drain(Duration timeout, Duration idleGrace) {
        return runtime.connections().drain(timeout, idleGrace);
    }

    /** Whether a drain has begun. */
    public boolean draining() {
        return runtime.connections().draining();
    }

    /**
     * Jetty's graceful stop ({@code Graceful}): closes the listening socket (no new connections), then
     * {@linkplain #drain(Duration) drains} within the server's stop timeout. The future completes when the drain
     * has ended.
     */
    @Override
    public CompletableFuture<Void> shutdown() {
        Server server = getServer();
        long stopMillis = server == null ? 0 : Math.max(0, server.getStopTimeout());
        // The drain is told first, so that the responses Jetty marks non-persistent once it is shutting down count
        // as the drain's; a connection accepted before the listener closes is drained at once.
        CompletableFuture<DrainReport> drained = drain(Duration.ofMillis(stopMillis));
        CompletableFuture<Void> jetty = super.shutdown();
        CompletableFuture<Void> closed = drained.thenCompose(report -> {
            // A close event comes when the policy decides the close; the socket operation follows on Jetty's
            // threads: let it happen before the server stops its selectors (which would close with a FIN).
            CompletableFuture<Void> gone = new CompletableFuture<>();
            awaitEndPointsClosed(gone, System.nanoTime() + ENDPOINTS_CLOSE_WAIT_NANOS);
            return gone;
        });
        return CompletableFuture.allOf(jetty, closed);
    }

    /**
     * Whether this connector is shut down, as Jetty's HTTP/1 connection reads it: false while its drain runs.
     * Jetty's HTTP/1 connection is the only reader of this in Jetty 12.1; once it sees true it shuts the output
     * down after every response that ends, also one committed as persistent before the stop began, whose client
     * was told nothing and may already be sending its next request: that FIN (and the unannounced retirement it
     * leads to, whose client wait ends in an RST under that request) fails the request. The drain does Jetty's job
     * instead: the next response carries {@code Connection: close}, a quiet connection gets the drain's idle close.
     */
    @Override
    public boolean isShutdown() {
        return super.isShutdown() && !draining();
    }

    /** Whether Jetty's graceful stop of this connector has begun (what {@link #isShutdown()} says without a drain). */
    boolean stopBegun() {
        return super.isShutdown();
    }

    private static final long ENDPOINTS_CLOSE_WAIT_NANOS = TimeUnit.SECONDS.toNanos(1);

    private void awaitEndPointsClosed(CompletableFuture<Void> gone, long deadlineNanos) {
        if (getConnectedEndPoints().isEmpty() || System.nanoTime() - deadlineNanos >= 0) {
            gone.complete(null);
            return;
        }
        try {
            getScheduler().schedule(() -> awaitEndPointsClosed(gone, deadlineNanos), 5, TimeUnit.MILLISECONDS);
        } catch (RuntimeException e) {
            gone.complete(null);
        }
    }

    /** Counters of every connection's close, aggregated from the {@link org.closepolicy.CloseEvent}s. */
    public CloseStats stats() {
        return stats;
    }

    /** The policy enforced, as guarded. */
    public ClosePolicy policy() {
        return runtime.policy();
    }

    /** The customizer this connector installs into its HTTP configurations. */
    public ClosePolicyCustomizer customizer() {
        return customizer;
    }

    @Override
    protected void doStart() throws Exception {
        installCustomizers(); // factories may have been added after construction
        deadlines = new ConnectorDeadlines(getScheduler());
        super.doStart();
    }

    @Override
    protected void doStop() throws Exception {
        try {
            super.doStop();
        } finally {
            deadlines.destroy(); // set by doStart: Jetty stops only what started (or failed to)
        }
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
        ClosePolicyEndPoint endPoint = new ClosePolicyEndPoint(channel, selector, key, getScheduler(), getExecutor(), runtime, deadlines);
        endPoint.setIdleTimeout(getIdleTimeout());
        return endPoint;
    }

    @Override
    public String toString() {
        return super.toString() + "[" + runtime.policy() + "]";
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
    public static final class Builder extends AdapterBuilder<Builder> {
        private final Server server;
        private ConnectionFactory[] factories = new ConnectionFactory[0];
        private SslContextFactory.Server tls;
        private boolean http2;
        private HttpConfiguration httpConfiguration;
        private Executor executor;
        private Scheduler scheduler;
        private ByteBufferPool bufferPool;
        private int acceptors = -1;
        private int selectors = -1;
        private boolean connectorsAddedAfterStart;
        private int port;
        private String host;

        private Builder(Server server, ClosePolicy policy) {
            super(policy);
            this.server = Objects.requireNonNull(server, "server");
        }

        /**
         * TLS in front of HTTP: an {@link SslConnectionFactory} with this context factory (key store,
         * protocols, ciphers), a {@link org.eclipse.jetty.server.SecureRequestCustomizer} in the HTTP
         * configuration unless it has one, and, with {@link #http2()}, ALPN offering h2 then http/1.1.
         * Not together with {@link #factories}.
         */
        public Builder tls(SslContextFactory.Server sslContextFactory) {
            this.tls = Objects.requireNonNull(sslContextFactory, "sslContextFactory");
            return this;
        }

        /**
         * HTTP/2 besides HTTP/1.1: with {@link #tls}, h2 chosen by ALPN (needs {@code jetty-http2-server}
         * and {@code jetty-alpn-java-server}); without, h2c by prior knowledge or by the HTTP/1.1
         * {@code Upgrade} (needs {@code jetty-http2-server}). Not together with {@link #factories}.
         */
        public Builder http2() {
            if (!Http2Sessions.AVAILABLE) {
                throw new IllegalStateException("http2() needs org.eclipse.jetty.http2:jetty-http2-server on the class path");
            }
            this.http2 = true;
            return this;
        }

        /** The HTTP configuration of the factories this builder makes (default: a new {@link HttpConfiguration}). */
        public Builder httpConfiguration(HttpConfiguration httpConfiguration) {
            this.httpConfiguration = Objects.requireNonNull(httpConfiguration, "httpConfiguration");
            return this;
        }

        /** The connection factories (default: one {@link HttpConnectionFactory}); not together with {@link #tls} or {@link #http2()}. */
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

        /**
         * The host adds the connector to the server only after the server has started (Spring Boot's
         * {@code JettyWebServer} starts Jetty without its connectors, then adds them): skip the start-time check that a
         * built connector was added.
         */
        public Builder connectorsAddedAfterStart() {
            this.connectorsAddedAfterStart = true;
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
            if (factories.length > 0) {
                if (tls != null || http2) {
                    throw new IllegalStateException("factories(...) cannot be combined with tls(...) or http2()");
                }
                return factories;
            }
            HttpConfiguration config = httpConfiguration != null ? httpConfiguration : new HttpConfiguration();
            if (tls != null && config.getCustomizer(org.eclipse.jetty.server.SecureRequestCustomizer.class) == null) {
                config.addCustomizer(new org.eclipse.jetty.server.SecureRequestCustomizer());
            }
            if (http2) {
                return tls != null ? Http2Sessions.h2Factories(tls, config) : Http2Sessions.h2cFactories(config);
            }
            HttpConnectionFactory http1 = new HttpConnectionFactory(config);
            return tls != null ? new ConnectionFactory[] {new SslConnectionFactory(tls, http1.getProtocol()), http1}
                    : new ConnectionFactory[] {http1};
        }

        private AdapterRuntime buildRuntime() {
            return runtime();
        }

        /** The port to listen on (default 0: any free port); used by {@link #addTo()}. */
        public Builder port(int port) {
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException("port must be 0-65535, was " + port);
            }
            this.port = port;
            return this;
        }

        /** The address to listen on (default: every address); used by {@link #addTo()}. */
        public Builder host(String host) {
            this.host = Objects.requireNonNull(host, "host");
            return this;
        }

        /**
         * Builds the connector, sets its {@link #port} and {@link #host}, and adds it to the server: the usual way.
         * <pre>{@code
         * ClosePolicyConnector connector = ClosePolicyConnector.builder(server, ClosePolicies.clientFirst()).port(8080).addTo();
         * }</pre>
         */
        public ClosePolicyConnector addTo() {
            ClosePolicyConnector connector = build();
            connector.setPort(port);
            if (host != null) {
                connector.setHost(host);
            }
            server.addConnector(connector);
            return connector;
        }

        /**
         * Builds the connector without adding it to the server: then call {@code server.addConnector(connector)}
         * before {@code server.start()}, which fails with an {@link IllegalStateException} if you do not.
         * {@link #addTo()} does both.
         */
        public ClosePolicyConnector build() {
            return new ClosePolicyConnector(this);
        }
    }
}
