package org.closepolicy.examples.readme;

// tag::jetty-tls-http2[]
import org.closepolicy.ClosePolicies;
import org.closepolicy.jetty.ClosePolicyConnector;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.util.ssl.SslContextFactory;
// end::jetty-tls-http2[]

/** README, "TLS and HTTP/2", Jetty. */
final class JettyTlsAndHttp2 {

    private JettyTlsAndHttp2() {
    }

    static ClosePolicyConnector connector(Server server, SslContextFactory.Server sslContextFactory) {
        // tag::jetty-tls-http2[]
        ClosePolicyConnector connector = ClosePolicyConnector.builder(server, ClosePolicies.clientFirst())
                .tls(sslContextFactory)
                .http2()
                .port(8443)
                .addTo();
        // end::jetty-tls-http2[]
        return connector;
    }
}
