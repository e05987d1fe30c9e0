package org.closepolicy.examples;

import java.util.Locale;

/**
 * The two servers the CLI runs.
 *
 * <p>Thread-safety: immutable.
 */
enum ServerKind {
    NETTY, JETTY;

    String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    @Override
    public String toString() {
        return label();
    }
}
