package org.closepolicy.examples;

import java.net.InetSocketAddress;
import java.time.Duration;

/**
 * One family of clients that keeps requesting {@code GET /weather.xml} while a server is replaced under it.
 *
 * <p>Thread-safety: {@link #start} once, then {@link #counts} from any thread, {@link #stop} once.
 */
interface DeployClients {

    /** The family's name in the table. */
    String name();

    /** Starts requesting from {@code threads} threads. */
    void start(InetSocketAddress target, int threads);

    /** The counts so far. */
    DeployFailures.Counts counts();

    /** Lets each thread finish its request in flight, waiting at most {@code timeout}; closes its connections. */
    DeployFailures.Counts stop(Duration timeout) throws InterruptedException;
}
