package org.closepolicy.spring;

import org.springframework.boot.jetty.ConfigurableJettyWebServerFactory;
import org.springframework.boot.web.server.WebServerFactoryCustomizer;
import org.springframework.core.Ordered;

/**
 * Adds the {@link JettyClosePolicyCustomizer} to every Jetty server factory (auto-configured or the application's
 * own), after Spring's own factory customizers (so their server customizers, such as the idle timeout, run first).
 *
 * <p>Thread-safety: thread-safe.
 */
final class JettyFactoryCustomizer implements WebServerFactoryCustomizer<ConfigurableJettyWebServerFactory>, Ordered {

    private final ClosePolicyServers servers;

    JettyFactoryCustomizer(ClosePolicyServers servers) {
        this.servers = servers;
    }

    @Override
    public void customize(ConfigurableJettyWebServerFactory factory) {
        // Read when the server is built, after every factory customizer has had its say on server.shutdown.
        factory.addServerCustomizers(
                new JettyClosePolicyCustomizer(servers, () -> ClosePolicyGracefulDrain.graceful(factory)));
    }

    @Override
    public int getOrder() {
        return Ordered.LOWEST_PRECEDENCE;
    }
}
