package org.closepolicy.reliability;

/** The server framework under test; every scenario runs once per adapter. */
enum Adapter {
    /** Netty 4.2 with {@code NettyClosePolicy.installHttp} after the {@code HttpServerCodec}. */
    NETTY,
    /** Jetty 12.1 with a {@code ClosePolicyConnector}. */
    JETTY
}
