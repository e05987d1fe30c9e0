package org.closepolicy.spring;

import org.springframework.boot.reactor.netty.NettyReactiveWebServerFactory;
import org.springframework.boot.web.server.WebServerFactoryCustomizer;
import org.springframework.core.Ordered;

/**
 * Adds the {@link ReactorNettyClosePolicyCustomizer} to every Reactor Netty server factory, after Spring's own.
 *
 * <p>Thread-safety: thread-safe.
 */
final class ReactorNettyFactoryCustomizer implements WebServerFactoryCustomizer<NettyReactiveWebServerFactory>, Ordered {

    private final ClosePolicyServers servers;

    ReactorNettyFactoryCustomizer(ClosePolicyServers servers) {
        this.servers = servers;
    }

    @Override
    public void customize(NettyReactiveWebServerFactory factory) {
        // Read when the server is built, after every factory customizer has had its say on server.shutdown.
        factory.addServerCustomizers(
                new ReactorNettyClosePolicyCustomizer(servers, () -> ClosePolicyGracefulDrain.graceful(factory)));
    }

    @Override
    public int getOrder() {
        return Ordered.LOWEST_PRECEDENCE;
    }
}
