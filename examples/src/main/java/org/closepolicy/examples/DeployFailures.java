package org.closepolicy.examples;

import java.util.concurrent.atomic.LongAdder;

/**
 * What one client family saw during a deploy: requests sent and, for those that failed, how they failed.
 *
 * <p>Thread-safety: thread-safe (counters); {@link #snapshot()} is a consistent-enough view for a table.
 */
final class DeployFailures {

    /**
     * The counts at one moment.
     *
     * @param sent              requests the application sent (a client's own retries are not counted again)
     * @param ok                whole 2xx responses with the expected body
     * @param connect           a new connection was refused or reset while connecting
     * @param eofBeforeResponse the connection ended (FIN) before any byte of the response: retryable for idempotent requests
     * @param resetBeforeResponse a reset before any byte of the response (on the write or the first read)
     * @param midResponse       a reset or an EOF after part of the response
     * @param bad               a response that was not 2xx, or whose body was wrong
     */
    record Counts(long sent, long ok, long connect, long eofBeforeResponse, long resetBeforeResponse, long midResponse, long bad) {

        /** Requests that did not get their whole response. */
        long failed() {
            return connect + eofBeforeResponse + resetBeforeResponse + midResponse + bad;
        }
    }

    final LongAdder sent = new LongAdder();
    final LongAdder ok = new LongAdder();
    final LongAdder connect = new LongAdder();
    final LongAdder eofBeforeResponse = new LongAdder();
    final LongAdder resetBeforeResponse = new LongAdder();
    final LongAdder midResponse = new LongAdder();
    final LongAdder bad = new LongAdder();

    Counts snapshot() {
        return new Counts(sent.sum(), ok.sum(), connect.sum(), eofBeforeResponse.sum(), resetBeforeResponse.sum(), midResponse.sum(),
                bad.sum());
    }
}
