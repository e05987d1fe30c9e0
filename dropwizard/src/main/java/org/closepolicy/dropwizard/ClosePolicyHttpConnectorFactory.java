package org.closepolicy.dropwizard;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonTypeName;
import io.dropwizard.jetty.HttpConnectorFactory;
import jakarta.validation.constraints.NotNull;
import org.closepolicy.ClosePolicy;
import org.closepolicy.jetty.ClosePolicyConnector;
import org.eclipse.jetty.io.ByteBufferPool;
import org.eclipse.jetty.server.ConnectionFactory;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.component.Container;
import org.eclipse.jetty.util.thread.Scheduler;
import org.eclipse.jetty.util.thread.ThreadPool;

/**
 * Dropwizard's HTTP connector ({@code type: http}) whose connections are reused, retired and closed as a
 * {@link ClosePolicy} says: connector type {@code closepolicy-http}, with the policy as spec text in {@code policy}.
 * Every setting of Dropwizard's {@link HttpConnectorFactory} still applies (port, bindHost, idleTimeout, acceptor and
 * selector threads, acceptQueueSize, the HTTP configuration such as header and buffer sizes, forwarded headers, the
 * PROXY protocol, the connection metrics).
 * <pre>{@code
 * server:
 *   applicationConnectors:
 *     - type: closepolicy-http
 *       port: 8080
 *       policy: client-first
 * }</pre>
 *
 * <p>The policy is parsed when Dropwizard reads the configuration: a bad spec stops startup with Dropwizard's
 * configuration error, which names the property's path (such as {@code server.applicationConnectors[0].policy}),
 * and the parser's message, which names the key, the value and what is allowed. The connector is a
 * {@link ClosePolicyConnector} (see it for what each policy does on Jetty, and its statistics); Dropwizard's graceful
 * stop ({@code shutdownGracePeriod}) drains its connections the policy's way.
 *
 * <p>Between requests of a kept connection the policy's {@code reuse.idle-timeout} replaces {@code idleTimeout}, which
 * still bounds the wait for the first request and the reads and writes within an exchange.
 *
 * <p>Thread-safety: not thread-safe; Dropwizard configures it from one thread, then builds the connector.
 */
@JsonTypeName("closepolicy-http")
public class ClosePolicyHttpConnectorFactory extends HttpConnectorFactory {

    private String policy;
    private ClosePolicy closePolicy;

    /** A factory with Dropwizard's HTTP defaults and no policy yet (Dropwizard creates it from the configuration). */
    public ClosePolicyHttpConnectorFactory() {
    }

    /** The policy's spec text as configured (null until set: Dropwizard's validation then names the property). */
    @JsonProperty
    @NotNull
    public String getPolicy() {
        return policy;
    }

    /**
     * Sets and parses the policy's spec text, e.g. {@code client-first} or {@code keep-alive, reuse.max-age=30m}.
     *
     * @throws IllegalArgumentException naming the key, the value and what is allowed, for a spec that does not parse
     */
    @JsonProperty
    public void setPolicy(String policy) {
        this.closePolicy = ClosePolicy.parse(policy, "policy");
        this.policy = policy;
    }

    /** The parsed policy (null until {@link #setPolicy} is called). */
    @JsonIgnore
    public ClosePolicy closePolicy() {
        return closePolicy;
    }

    /**
     * Builds the {@link ServerConnector} Dropwizard would, then a {@link ClosePolicyConnector} with its connection
     * factories and settings.
     *
     * @throws IllegalStateException when no {@code policy} is configured
     */
    @Override
    protected ServerConnector buildConnector(Server server, Scheduler scheduler, ByteBufferPool bufferPool, String name,
            ThreadPool threadPool, ConnectionFactory... factories) {
        if (closePolicy == null) {
            throw new IllegalStateException("connector type closepolicy-http needs a policy, e.g. 'policy: client-first'");
        }
        ServerConnector stock = super.buildConnector(server, scheduler, bufferPool, name, threadPool, factories);
        ClosePolicyConnector connector = ClosePolicyConnector.builder(server, closePolicy)
                .factories(stock.getConnectionFactories().toArray(new ConnectionFactory[0]))
                .executor(threadPool)
                .scheduler(scheduler)
                .bufferPool(bufferPool)
                .acceptors(stock.getAcceptors())
                .selectors(stock.getSelectorManager().getSelectorCount())
                .build();
        connector.setName(stock.getName());
        connector.setHost(stock.getHost());
        connector.setPort(stock.getPort());
        connector.setInheritChannel(stock.isInheritChannel());
        connector.setAcceptQueueSize(stock.getAcceptQueueSize());
        connector.setReuseAddress(stock.getReuseAddress());
        connector.setReusePort(stock.isReusePort());
        connector.setIdleTimeout(stock.getIdleTimeout());
        connector.setDefaultProtocol(stock.getDefaultProtocol());
        installIntoWrappedFactories(connector);
        return connector;
    }

    /**
     * Dropwizard wraps the HTTP connection factory in one that times connections for its metrics, where the connector
     * does not see the HTTP configuration that needs the policy's customizer: add it there.
     */
    private static void installIntoWrappedFactories(ClosePolicyConnector connector) {
        for (ConnectionFactory f : connector.getConnectionFactories()) {
            if (f instanceof HttpConfiguration.ConnectionFactory || !(f instanceof Container wrapper)) {
                continue;
            }
            for (HttpConfiguration.ConnectionFactory inner : wrapper.getBeans(HttpConfiguration.ConnectionFactory.class)) {
                HttpConfiguration config = inner.getHttpConfiguration();
                if (config != null && config.getCustomizer(connector.customizer().getClass()) == null) {
                    config.addCustomizer(connector.customizer());
                }
            }
        }
    }
}
