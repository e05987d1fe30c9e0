package org.closepolicy.spring;

import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import org.closepolicy.ClosePolicy;
import org.closepolicy.netty.NettyClosePolicy;
import org.closepolicy.reactor.ReactorClosePolicy;
import org.springframework.boot.reactor.netty.NettyServerCustomizer;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;

/**
 * Installs the close policy into Spring Boot's embedded Reactor Netty server with {@link ReactorClosePolicy}
 * (through {@code doOnChannelInit}, so the order among Spring's own customizers does not matter).
 * {@code server.netty.idle-timeout} closes go through the policy; {@code server.netty.max-keep-alive-requests} and
 * {@code reuse.max-requests} both apply (the smaller wins).
 * <pre>{@code
 * factory.addServerCustomizers(new ReactorNettyClosePolicyCustomizer(servers));   // done by the auto-configuration
 * }</pre>
 *
 * <p>Thread-safety: thread-safe.
 */
public final class ReactorNettyClosePolicyCustomizer implements NettyServerCustomizer {

    private final ClosePolicyServers servers;
    private final BooleanSupplier graceful;

    public ReactorNettyClosePolicyCustomizer(ClosePolicyServers servers) {
        this(servers, () -> false);
    }

    /**
     * With {@code graceful} true when the server is built ({@code server.shutdown=graceful}), the server is drained
     * at shutdown by {@link ClosePolicyGracefulDrain}.
     */
    public ReactorNettyClosePolicyCustomizer(ClosePolicyServers servers, BooleanSupplier graceful) {
        this.servers = servers;
        this.graceful = graceful;
    }

    @Override
    public HttpServer apply(HttpServer server) {
        ClosePolicy policy = servers.policyFor(server.configuration().idleTimeout());
        DeferredCloseListener listener = new DeferredCloseListener();
        NettyClosePolicy netty = NettyClosePolicy.builder(policy).listener(listener).build();
        if (!graceful.getAsBoolean()) {
            servers.register("reactor-netty", policy, netty.stats(), listener);
            return ReactorClosePolicy.of(netty).applyTo(server);
        }
        AtomicReference<DisposableServer> bound = new AtomicReference<>();
        servers.register("reactor-netty", policy, netty.stats(), listener, (timeout, idleGrace) -> {
            // Stop accepting first, as Reactor's own graceful stop does; a connection accepted before the listener
            // closes is drained at once. Reactor's disposeNow then finds the listener closed and the connections gone.
            DisposableServer s = bound.get();
            if (s != null) {
                s.channel().close();
            }
            return idleGrace == null ? netty.drain(timeout) : netty.drain(timeout, idleGrace);
        });
        return ReactorClosePolicy.of(netty).applyTo(server).doOnBound(bound::set);
    }
}
