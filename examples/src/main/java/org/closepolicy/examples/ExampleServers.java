package org.closepolicy.examples;

/**
 * Starts the example server of a kind.
 *
 * <p>Thread-safety: stateless.
 */
final class ExampleServers {

    private ExampleServers() {
    }

    /**
     * Starts and binds a server.
     *
     * @throws Exception when the server cannot bind or start
     */
    static ExampleServer start(ServerConfig config) throws Exception {
        return start(config, Wire.CLEARTEXT_HTTP1);
    }

    /**
     * Starts and binds a server speaking TLS and/or HTTP/2 as {@code wire} says.
     *
     * @throws Exception when the server cannot bind or start
     */
    static ExampleServer start(ServerConfig config, Wire wire) throws Exception {
        return switch (config.kind()) {
            case NETTY -> NettyExampleServer.start(config, wire);
            case JETTY -> JettyExampleServer.start(config, wire);
        };
    }
}
