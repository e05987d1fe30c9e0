/**
 * The Netty 4.2 adapter: handlers for HTTP/1.x, HTTP/2 and raw TCP. Netty is provided by the application.
 */
module org.closepolicy.netty {
    requires transitive org.closepolicy.core;
    requires org.slf4j;
    requires static transitive io.netty.transport;
    requires static io.netty.common;
    requires static io.netty.buffer;
    requires static io.netty.codec;
    requires static io.netty.codec.http;
    requires static io.netty.codec.http2;
    requires static io.netty.handler;
    requires static io.netty.transport.classes.epoll;
    requires static io.netty.transport.unix.common;

    exports org.closepolicy.netty;
}
