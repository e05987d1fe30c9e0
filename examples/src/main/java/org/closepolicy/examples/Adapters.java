package org.closepolicy.examples;

/** Whether each server enforces the close policy through its closepolicy adapter. */
final class Adapters {

    private Adapters() {
    }

    static boolean available(ServerKind kind) {
        return switch (kind) {
            case NETTY -> NettyExampleServer.ADAPTER;
            case JETTY -> JettyExampleServer.ADAPTER;
        };
    }
}
