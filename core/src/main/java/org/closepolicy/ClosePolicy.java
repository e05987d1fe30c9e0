package org.closepolicy;

import java.util.Optional;
import java.util.Properties;

/**
 * Decides, for one connection and the exchange just finished, whether to reuse or retire it, and
 * when retiring, who closes first and how.
 *
 * <p>Adapters call {@link #decide} after every response (or application exchange) and when a
 * connection's idle or max-age timer fires. Implementations must be pure: the answer depends only
 * on the view and {@code nowNanos}, never on a wall clock. Built policies ({@link #builder()},
 * {@link #parse(String)}, {@link ClosePolicies}) are {@link StandardClosePolicy} instances, which
 * allocate nothing per decision.
 * <pre>{@code
 * ClosePolicy policy = ClosePolicy.parse("safe-reset, close.client-wait=1s");
 * ClosePolicy tuned = ClosePolicy.builder(Preset.KEEP_ALIVE)
 *         .maxRequests(10_000)
 *         .rule(Rule.builder("lb").whenRemoteIn("10.0.0.0/8").settings(s -> s.unlimitedRequests()))
 *         .build();
 * ClosePolicy custom = (view, now) -> view.requestsServed() > 50
 *         ? ClosePolicies.clientFirst().decide(view, now)
 *         : ClosePolicies.keepAlive().decide(view, now);
 * }</pre>
 *
 * <p>If a policy throws or returns {@code null}, adapters apply the safe default (server-first
 * lingering close) and log the failure once per policy; see {@link ClosePolicies#guarded(ClosePolicy)}.
 *
 * <p>Thread-safety: implementations must be thread-safe; they are called from many connections'
 * threads at once.
 */
@FunctionalInterface
public interface ClosePolicy {

    /**
     * Decides for one connection.
     *
     * @param view     the connection, read only during this call
     * @param nowNanos the current time of the adapter's {@link Ticker}
     * @return a {@link Reuse} or a {@link Retire}; never {@code null}
     */
    Decision decide(ConnectionView view, long nowNanos);

    /**
     * The spec text of this policy, which {@link #parse(String)} reads back into an equal policy.
     *
     * @throws UnsupportedOperationException for custom implementations without a text form
     */
    default String toSpec() {
        throw new UnsupportedOperationException(getClass().getName() + " has no spec text; only built policies do");
    }

    /**
     * Parses spec text: comma- or semicolon-separated {@code key=value} entries, optionally starting
     * with a preset name, e.g. {@code "client-first, close.client-wait=2s, reuse.max-requests=1000"}.
     * See {@link PolicySpec} for every key.
     *
     * @throws IllegalArgumentException naming the key, the value and what is allowed
     */
    static StandardClosePolicy parse(String spec) {
        return PolicySpec.parse(spec);
    }

    /**
     * Reads a policy from properties whose keys start with {@code prefix} (for example
     * {@code closepolicy.close.first=client} with prefix {@code "closepolicy."}); {@code <prefix>preset}
     * names a base preset. Returns empty when no key has the prefix.
     *
     * @throws IllegalArgumentException for bad entries, as {@link #parse}
     */
    static Optional<StandardClosePolicy> fromProperties(Properties properties, String prefix) {
        return PolicySpec.fromProperties(properties, prefix);
    }

    /**
     * Reads a policy from the system properties: {@code -Dclosepolicy="safe-reset, close.client-wait=1s"},
     * or individual {@code -Dclosepolicy.close.first=client} keys. Returns empty when neither is set.
     *
     * @throws IllegalArgumentException for bad entries, as {@link #parse}
     */
    static Optional<StandardClosePolicy> fromSystemProperties() {
        String whole = System.getProperty(PolicySpec.SYSTEM_PROPERTY);
        if (whole != null && !whole.isBlank()) {
            return Optional.of(PolicySpec.parse(whole, "system property -D" + PolicySpec.SYSTEM_PROPERTY));
        }
        return PolicySpec.fromProperties(System.getProperties(), PolicySpec.SYSTEM_PROPERTY + ".",
                "system properties -D" + PolicySpec.SYSTEM_PROPERTY + ".*");
    }

    /**
     * Parses spec text as {@link #parse(String)}, with error messages that start with where the text came from
     * (a property, an option, a file), so that the user knows what to fix.
     * <pre>{@code
     * ClosePolicy p = ClosePolicy.parse(config.get("server.close-policy"), "property server.close-policy");
     * }</pre>
     *
     * @throws IllegalArgumentException starting with {@code source}, then naming the key, the value and what is allowed
     */
    static StandardClosePolicy parse(String spec, String source) {
        return PolicySpec.parse(spec, source);
    }

    /** A builder with the defaults of {@link Preset#KEEP_ALIVE}. */
    static StandardClosePolicy.Builder builder() {
        return StandardClosePolicy.builder(Preset.KEEP_ALIVE);
    }

    /** A builder starting from a preset. */
    static StandardClosePolicy.Builder builder(Preset preset) {
        return StandardClosePolicy.builder(preset);
    }
}
