package org.closepolicy.examples;

import org.eclipse.jetty.alpn.server.ALPNServerConnectionFactory;
import org.eclipse.jetty.http2.server.HTTP2CServerConnectionFactory;
import org.eclipse.jetty.http2.server.HTTP2ServerConnectionFactory;
import org.eclipse.jetty.server.ConnectionFactory;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.SecureRequestCustomizer;
import org.eclipse.jetty.server.SslConnectionFactory;
import org.eclipse.jetty.util.ssl.SslContextFactory;

/**
 * What {@link Wire} means for a Jetty connector: the TLS context, and for the bare baseline the same connection
 * factories the close policy connector builds ({@code tls(..)}, {@code http2()}).
 *
 * <p>Thread-safety: stateless.
 */
final class JettyWire {

    private JettyWire() {
    }

    static SslContextFactory.Server sslContextFactory(Wire wire) {
        SslContextFactory.Server tls = new SslContextFactory.Server();
        tls.setKeyStore(wire.keyStore());
        tls.setKeyStorePassword(new String(wire.password()));
        tls.setKeyManagerPassword(new String(wire.password()));
        // h2 forbids the ciphers on RFC 7540's block list; Jetty's defaults already exclude them.
        tls.setSniRequired(false);
        return tls;
    }

    /** The HTTP configuration: under TLS, no SNI host check (the self-signed certificate names localhost, clients use 127.0.0.1). */
    static HttpConfiguration httpConfiguration(Wire wire) {
        HttpConfiguration config = new HttpConfiguration();
        if (wire.tls()) {
            SecureRequestCustomizer secure = new SecureRequestCustomizer();
            secure.setSniHostCheck(false);
            config.addCustomizer(secure);
        }
        return config;
    }

    /** The bare framework's factories for this wire: no closepolicy, the same protocols. */
    static ConnectionFactory[] bareFactories(Wire wire) {
        HttpConfiguration config = httpConfiguration(wire);
        HttpConnectionFactory http1 = new HttpConnectionFactory(config);
        if (!wire.http2()) {
            return new ConnectionFactory[] {new SslConnectionFactory(sslContextFactory(wire), http1.getProtocol()), http1};
        }
        if (!wire.tls()) {
            return new ConnectionFactory[] {http1, new HTTP2CServerConnectionFactory(config)};
        }
        HTTP2ServerConnectionFactory h2 = new HTTP2ServerConnectionFactory(config);
        ALPNServerConnectionFactory alpn = new ALPNServerConnectionFactory(); // offers the ALPN ids of the factories after it: h2, http/1.1
        alpn.setDefaultProtocol(http1.getProtocol());
        return new ConnectionFactory[] {new SslConnectionFactory(sslContextFactory(wire), alpn.getProtocol()), alpn, h2, http1};
    }
}
