package org.closepolicy.jetty;

import java.util.Arrays;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.util.component.LifeCycle;

/**
 * Fails the start of a server for which a {@link ClosePolicyConnector} was built but never added: such a server
 * would start and listen nowhere, with nothing to say why.
 *
 * <p>Thread-safety: thread-safe (immutable); called by the server's lifecycle.
 */
final class NotAddedCheck implements LifeCycle.Listener {

    private final ClosePolicyConnector connector;

    NotAddedCheck(ClosePolicyConnector connector) {
        this.connector = connector;
    }

    @Override
    public void lifeCycleStarting(LifeCycle event) {
        if (event instanceof Server server && !Arrays.asList(server.getConnectors()).contains(connector)) {
            throw new IllegalStateException("a ClosePolicyConnector was built for this server but never added to it, so it "
                    + "would listen nowhere: call server.addConnector(connector) before server.start(), or build it with "
                    + "ClosePolicyConnector.builder(server, policy).port(8080).addTo()");
        }
    }
}
