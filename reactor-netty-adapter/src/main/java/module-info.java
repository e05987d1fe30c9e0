/**
 * Installs the Netty adapter into Reactor Netty 1.3 servers. Reactor Netty and Netty are provided by the application.
 */
module org.closepolicy.reactor {
    requires transitive org.closepolicy.netty;
    requires static transitive reactor.netty.http;
    requires static reactor.netty.core;
    requires static io.netty.transport;
    requires static io.netty.handler;
    requires static io.netty.codec.http;
    requires static io.netty.codec.http2;

    exports org.closepolicy.reactor;
}
