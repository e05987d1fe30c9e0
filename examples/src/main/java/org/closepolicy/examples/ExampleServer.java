package org.closepolicy.examples;

import java.time.Duration;
import org.closepolicy.CloseStats;

/**
 * A running example server: the endpoints of {@link Endpoints} with a close policy applied.
 *
 * <p>Thread-safety: thread-safe.
 */
interface ExampleServer extends AutoCloseable {

    ServerConfig config();

    /** The bound port. */
    int port();

    /** The close statistics of this server's connections. */
    CloseStats stats();

    /**
     * Stops accepting, lets requests in flight finish for up to {@code drain}, closes idle
     * connections, then closes whatever is left. Idempotent.
     */
    void stop(Duration drain);

    /** The report of the drain the last stop ran, or null (a bare server, or not stopped yet). */
    default org.closepolicy.DrainReport drainReport() {
        return null;
    }

    @Override
    default void close() {
        stop(config().drain());
    }
}
