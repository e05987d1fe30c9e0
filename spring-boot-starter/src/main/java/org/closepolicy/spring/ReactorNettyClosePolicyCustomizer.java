package org.closepolicy.spring;

import org.closepolicy.ClosePolicy;
import org.closepolicy.netty.NettyClosePolicy;
import org.closepolicy.reactor.ReactorClosePolicy;
import org.springframework.boot.reactor.netty.NettyServerCustomizer;
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

    public ReactorNettyClosePolicyCustomizer(ClosePolicyServers servers) {
        this.servers = servers;
    }

    @Override
    public HttpServer apply(HttpServer server) {
        ClosePolicy policy = servers.policyFor(server.configuration().idleTimeout());
        DeferredCloseListener listener = new DeferredCloseListener();
        NettyClosePolicy netty = NettyClosePolicy.builder(policy).listener(listener).build();
        servers.register("reactor-netty", policy, netty.stats(), listener);
        return ReactorClosePolicy.of(netty).applyTo(server);
    }
}
