package org.closepolicy.testkit;

import java.util.List;

/**
 * The outcome of a {@link LoadRunner} run.
 *
 * <pre>{@code
 * LoadResult r = runner.run();
 * System.out.printf("%d ok, %d errors, %.0f req/s%n", r.ok(), r.errors(), r.requestsPerSecond());
 * r.firstErrors().forEach(System.out::println);
 * }</pre>
 *
 * <p>Thread-safety: immutable.
 *
 * @param requested     connections asked for
 * @param ok            responses that passed every check
 * @param errors        the rest: failed checks, I/O errors, and requests not run before the deadline
 * @param firstErrors   the first few error messages, each prefixed with the request number, plus one summary line when
 *                      requests were not started before the deadline
 * @param resets        connections on which a reset was seen
 * @param serverClosed  connections on which the server's EOF was seen
 * @param bytesVerified body bytes of the responses that passed
 * @param elapsedNanos  wall time of the run
 */
public record LoadResult(int requested, int ok, int errors, List<String> firstErrors, int resets,
                         int serverClosed, long bytesVerified, long elapsedNanos) {

    /** Copies the error list. */
    public LoadResult {
        firstErrors = List.copyOf(firstErrors);
    }

    /** Passed responses per second of wall time. */
    public double requestsPerSecond() {
        return elapsedNanos <= 0 ? 0 : ok * 1e9 / elapsedNanos;
    }

    @Override
    public String toString() {
        return String.format(java.util.Locale.ROOT,
                "LoadResult[%d/%d ok, %d errors, %d resets, %d server-closed, %d bytes verified, %.1f ms, %.0f req/s%s]",
                ok, requested, errors, resets, serverClosed, bytesVerified, elapsedNanos / 1e6, requestsPerSecond(),
                firstErrors.isEmpty() ? "" : ", first errors " + firstErrors);
    }
}
