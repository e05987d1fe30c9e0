package org.closepolicy.examples.readme;

// tag::jetty-quick-start[]
import org.closepolicy.ClosePolicy;
import org.closepolicy.jetty.ClosePolicyConnector;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Server;
// end::jetty-quick-start[]

/** README, "Quick start / Jetty". */
final class JettyQuickStart {

    private JettyQuickStart() {
    }

    static String start(Handler myHandler) throws Exception {
        // tag::jetty-quick-start[]
        Server server = new Server();
        ClosePolicyConnector connector = ClosePolicyConnector.builder(server, ClosePolicy.parse("client-first"))
                .port(8080)
                .addTo();                                  // builds the connector and adds it to the server
        server.setHandler(myHandler);
        server.start();

        String json = connector.stats().toJson();
        // end::jetty-quick-start[]
        server.stop();
        return json;
    }
}
