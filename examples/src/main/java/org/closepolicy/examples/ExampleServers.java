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
        return switch (config.kind()) {
            case NETTY -> NettyExampleServer.start(config);
            case JETTY -> JettyExampleServer.start(config);
        };
    }
}
