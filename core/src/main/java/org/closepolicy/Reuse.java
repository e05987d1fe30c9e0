package org.closepolicy;

import java.time.Duration;
import java.util.Objects;
import org.closepolicy.spi.Durations;
import org.closepolicy.internal.Jitter;

/**
 * Keep the connection for another request, until it is idle for {@link #idleTimeout()} or reaches
 * its (jittered) maximum age.
 *
 * <p>The adapter arms a timer at {@code min(idleDeadline(view), retireAtNanos(view))} and asks the
 * policy again when it fires.
 * <pre>{@code
 * if (decision instanceof Reuse reuse) {
 *     long at = Math.min(reuse.idleDeadline(view), reuse.retireAtNanos(view));
 *     scheduleCheck(at - ticker.nanos());
 * }
 * }</pre>
 *
 * <p>Thread-safety: immutable.
 */
public final class Reuse implements Decision {

    private final Duration idleTimeout;
    private final long idleTimeoutNanos;
    private final Duration maxAge; // null: no maximum
    private final long maxAgeNanos;
    private final double jitter;
    private final long jitterSeed;

    /**
     * A reuse decision.
     *
     * @param idleTimeout positive idle timeout
     * @param maxAge      positive maximum age, or {@code null} for none
     * @param jitter      fraction in [0, 0.5] by which the maximum age varies per connection
     * @param jitterSeed  seed mixed with the connection id
     */
    public Reuse(Duration idleTimeout, Duration maxAge, double jitter, long jitterSeed) {
        this.idleTimeout = Objects.requireNonNull(idleTimeout, "idleTimeout");
        if (idleTimeout.isNegative() || idleTimeout.isZero()) {
            throw new IllegalArgumentException("idleTimeout must be positive, was " + idleTimeout);
        }
        if (maxAge != null && (maxAge.isNegative() || maxAge.isZero())) {
            throw new IllegalArgumentException("maxAge must be positive or null, was " + maxAge);
        }
        if (!(jitter >= 0 && jitter <= 0.5)) {
            throw new IllegalArgumentException("jitter must be within [0, 0.5], was " + jitter);
        }
        this.idleTimeoutNanos = Durations.nanos(idleTimeout);
        this.maxAge = maxAge;
        this.maxAgeNanos = maxAge == null ? Long.MAX_VALUE : Durations.nanos(maxAge);
        this.jitter = jitter + 0.0; // -0.0 becomes 0.0
        this.jitterSeed = jitterSeed;
    }

    @Override
    public boolean retires() {
        return false;
    }

    /** How long the connection may stay idle. */
    public Duration idleTimeout() {
        return idleTimeout;
    }

    /** {@link #idleTimeout()} in nanoseconds, saturated at {@link Long#MAX_VALUE}. */
    public long idleTimeoutNanos() {
        return idleTimeoutNanos;
    }

    /** The configured maximum age before jitter, or {@code null} when there is none. */
    public Duration maxAge() {
        return maxAge;
    }

    /** When the connection is idle too long: {@code lastActivity + idleTimeout}, in ticker nanoseconds. */
    public long idleDeadline(ConnectionView view) {
        return Durations.add(view.lastActivityNanos(), idleTimeoutNanos);
    }

    /**
     * When this connection reaches its jittered maximum age, in ticker nanoseconds;
     * {@link Long#MAX_VALUE} when there is no maximum age.
     */
    public long retireAtNanos(ConnectionView view) {
        if (maxAgeNanos == Long.MAX_VALUE) {
            return Long.MAX_VALUE;
        }
        return Durations.add(view.openedAtNanos(), Jitter.ageNanos(maxAgeNanos, jitter, jitterSeed, view.id()));
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Reuse r && r.idleTimeout.equals(idleTimeout) && Objects.equals(r.maxAge, maxAge)
                && Double.compare(r.jitter, jitter) == 0 && r.jitterSeed == jitterSeed;
    }

    @Override
    public int hashCode() {
        return Objects.hash(idleTimeout, maxAge, jitter, jitterSeed);
    }

    @Override
    public String toString() {
        return "Reuse[idleTimeout=" + idleTimeout + ", maxAge=" + maxAge + ", jitter=" + jitter + "]";
    }
}
