package org.closepolicy.spring;

import java.time.Duration;
import java.util.ArrayList;
import java.util.EventListener;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.closepolicy.ClosePolicy;
import org.closepolicy.DrainReport;
import org.closepolicy.jetty.ClosePolicyConnector;
import org.eclipse.jetty.server.ConnectionFactory;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.NetworkConnectionLimit;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.springframework.boot.jetty.JettyServerCustomizer;

/**
 * Replaces each {@link ServerConnector} of Spring Boot's embedded Jetty with a {@link ClosePolicyConnector} that
 * carries over its connection factories (HTTP configuration, TLS and ALPN from {@code server.ssl}, h2/h2c from
 * {@code server.http2.enabled}), host, port, idle timeout, acceptors, selectors, executor, scheduler, buffer pool,
 * socket options and event listeners. Spring registers {@code server.jetty.max-connections} before customizers
 * run, on the connectors of that moment: each {@link NetworkConnectionLimit} is replaced by one with the same
 * limit over the new connectors.
 * <pre>{@code
 * factory.addServerCustomizers(new JettyClosePolicyCustomizer(servers));   // done by the auto-configuration
 * }</pre>
 *
 * <p>Thread-safety: thread-safe; Spring calls it once per server it creates.
 */
public final class JettyClosePolicyCustomizer implements JettyServerCustomizer {

    private final ClosePolicyServers servers;
    private final BooleanSupplier graceful;

    public JettyClosePolicyCustomizer(ClosePolicyServers servers) {
        this(servers, () -> false);
    }

    /**
     * With {@code graceful} true when the server is built ({@code server.shutdown=graceful}), each connector is
     * drained at shutdown by {@link ClosePolicyGracefulDrain}.
     */
    public JettyClosePolicyCustomizer(ClosePolicyServers servers, BooleanSupplier graceful) {
        this.servers = servers;
        this.graceful = graceful;
    }

    @Override
    public void customize(Server server) {
        Connector[] connectors = server.getConnectors();
        List<Connector> replaced = new ArrayList<>(connectors.length);
        boolean changed = false;
        for (Connector c : connectors) {
            if (c instanceof ServerConnector old && !(c instanceof ClosePolicyConnector)) {
                replaced.add(replace(server, old));
                changed = true;
            } else {
                replaced.add(c);
            }
        }
        if (!changed) {
            return;
        }
        Connector[] now = replaced.toArray(new Connector[0]);
        server.setConnectors(now);
        for (NetworkConnectionLimit limit : server.getBeans(NetworkConnectionLimit.class)) {
            // Bound to the connectors themselves, not to the server: Spring's JettyWebServer starts the server with no
            // connectors and adds them afterwards, so a server-wide limit would find none when it starts.
            NetworkConnectionLimit all = new NetworkConnectionLimit(limit.getMaxNetworkConnectionCount(), now);
            all.setEndPointIdleTimeout(limit.getEndPointIdleTimeout());
            server.removeBean(limit);
            server.addBean(all);
        }
    }

    private ClosePolicyConnector replace(Server server, ServerConnector old) {
        ClosePolicy policy = servers.policyFor(old.getIdleTimeout() > 0 ? Duration.ofMillis(old.getIdleTimeout()) : null);
        DeferredCloseListener listener = new DeferredCloseListener();
        ClosePolicyConnector c = ClosePolicyConnector.builder(server, policy)
                .listener(listener)
                .factories(old.getConnectionFactories().toArray(new ConnectionFactory[0]))
                .executor(old.getExecutor())
                .scheduler(old.getScheduler())
                .bufferPool(old.getByteBufferPool())
                .acceptors(old.getAcceptors())
                .selectors(old.getSelectorManager().getSelectorCount())
                .connectorsAddedAfterStart()
                .build();
        c.setName(old.getName());
        c.setHost(old.getHost());
        c.setPort(old.getPort());
        c.setIdleTimeout(old.getIdleTimeout());
        // Not the old connector's shutdown idle timeout: Jetty's graceful stop would cut every idle endpoint with it
        // before the drain's idle grace; the connector's drain bounds each connection itself.
        c.setDefaultProtocol(old.getDefaultProtocol());
        c.setAcceptQueueSize(old.getAcceptQueueSize());
        c.setReuseAddress(old.getReuseAddress());
        c.setReusePort(old.isReusePort());
        c.setInheritChannel(old.isInheritChannel());
        c.setAcceptedTcpNoDelay(old.getAcceptedTcpNoDelay());
        c.setAcceptedReceiveBufferSize(old.getAcceptedReceiveBufferSize());
        c.setAcceptedSendBufferSize(old.getAcceptedSendBufferSize());
        c.setAcceptorPriorityDelta(old.getAcceptorPriorityDelta());
        for (EventListener l : old.getEventListeners()) {
            c.addEventListener(l);
        }
        servers.register("jetty", policy, c.stats(), listener,
                graceful.getAsBoolean() ? (timeout, idleGrace) -> drain(c, timeout, idleGrace) : null);
        return c;
    }

    /**
     * Starts the drain with Spring's timeout, then Jetty's graceful stop of the connector (which closes the listening
     * socket and joins that drain: Spring's stop timeout of 0 would otherwise make it a drain with no time at all).
     */
    private static CompletableFuture<DrainReport> drain(ClosePolicyConnector c, Duration timeout, Duration idleGrace) {
        CompletableFuture<DrainReport> report = idleGrace == null ? c.drain(timeout) : c.drain(timeout, idleGrace);
        CompletableFuture<Void> stopped = c.shutdown();
        return report.thenCompose(r -> stopped.completeOnTimeout(null, 1, TimeUnit.SECONDS).handle((v, e) -> r));
    }
}
