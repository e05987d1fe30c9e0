/**
 * The Jetty 12.1 adapter: a connector, its endpoint and a customizer. Jetty is provided by the application;
 * HTTP/2 and ALPN only when present.
 */
module org.closepolicy.jetty {
    requires transitive org.closepolicy.core;
    requires org.slf4j;
    requires static transitive org.eclipse.jetty.server;
    requires static org.eclipse.jetty.io;
    requires static org.eclipse.jetty.http;
    requires static org.eclipse.jetty.util;
    requires static org.eclipse.jetty.http2.common;
    requires static org.eclipse.jetty.http2.server;
    requires static org.eclipse.jetty.alpn.server;

    exports org.closepolicy.jetty;
}
