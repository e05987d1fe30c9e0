package org.closepolicy.examples;

import java.util.Locale;

/**
 * Netty's socket transport: Java NIO or Linux epoll. Jetty always uses NIO.
 *
 * <p>Thread-safety: immutable.
 */
enum TransportKind {
    NIO, EPOLL;

    @Override
    public String toString() {
        return name().toLowerCase(Locale.ROOT);
    }
}
