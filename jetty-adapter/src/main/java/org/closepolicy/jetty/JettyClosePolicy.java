package org.closepolicy.jetty;

import org.closepolicy.CloseListener;
import org.closepolicy.ClosePolicy;
import org.eclipse.jetty.server.Server;

/**
 * Entry points for Jetty 12: a connector that enforces a whole {@link ClosePolicy}, or only a
 * customizer for reuse decisions on an existing connector.
 *
 * <pre>{@code
 * Server server = new Server();
 * ClosePolicyConnector connector = JettyClosePolicy.connector(server, ClosePolicies.safeReset());
 * connector.setPort(8080);
 * server.addConnector(connector);
 *
 * // or, keeping a plain ServerConnector (reuse decisions only; Jetty closes as usual):
 * httpConfig.addCustomizer(JettyClosePolicy.customizer(ClosePolicies.keepAlive()));
 * }</pre>
 *
 * <p>Thread-safety: stateless; safe from any thread.
 */
public final class JettyClosePolicy {

    private JettyClosePolicy() {
    }

    /** A connector with an HTTP/1.1 connection factory enforcing this policy; add it to the server yourself. */
    public static ClosePolicyConnector connector(Server server, ClosePolicy policy) {
        return new ClosePolicyConnector(server, policy);
    }

    /** A customizer applying this policy's reuse decisions ({@code Connection: close}) to HTTP/1 requests. */
    public static ClosePolicyCustomizer customizer(ClosePolicy policy) {
        return new ClosePolicyCustomizer(policy);
    }

    /** As {@link #customizer(ClosePolicy)}, reporting each reuse and retirement to {@code listener}. */
    public static ClosePolicyCustomizer customizer(ClosePolicy policy, CloseListener listener) {
        return new ClosePolicyCustomizer(policy, listener);
    }
}
