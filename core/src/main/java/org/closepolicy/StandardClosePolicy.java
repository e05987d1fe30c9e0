package org.closepolicy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.function.UnaryOperator;

/**
 * The built-in policy: default {@link CloseSettings} plus an ordered list of {@link Rule}s, the
 * first matching rule deciding. Deciding is allocation-free and takes a few nanoseconds.
 *
 * <pre>{@code
 * StandardClosePolicy p = ClosePolicy.builder(Preset.SAFE_RESET)
 *         .clientWait(Duration.ofSeconds(1))
 *         .rule(Rule.builder("internal").whenRemoteIn("10.0.0.0/8").settings(s -> s.closer(Closer.SERVER_FIRST)))
 *         .build();
 * String spec = p.toSpec();                       // text form
 * assert ClosePolicy.parse(spec).equals(p);       // round-trips
 * }</pre>
 *
 * <p>Thread-safety: immutable and thread-safe.
 */
public final class StandardClosePolicy implements ClosePolicy {

    private final CloseSettings defaults;
    private final Rule[] rules;

    StandardClosePolicy(CloseSettings defaults, List<Rule> rules) {
        this.defaults = Objects.requireNonNull(defaults, "defaults");
        this.rules = rules.toArray(new Rule[0]);
    }

    /** A builder starting from a preset. */
    public static Builder builder(Preset preset) {
        return new Builder(CloseSettings.builder(preset));
    }

    @Override
    public Decision decide(ConnectionView view, long nowNanos) {
        for (Rule r : rules) {
            if (r.matches(view)) {
                return r.settings().decide(view, nowNanos);
            }
        }
        return defaults.decide(view, nowNanos);
    }

    /** The settings used when no rule matches. */
    public CloseSettings defaults() {
        return defaults;
    }

    /** The rules, in matching order. */
    public List<Rule> rules() {
        return List.of(rules);
    }

    /** The settings that decide for this connection (those of the first matching rule, or the defaults). */
    public CloseSettings settingsFor(ConnectionView view) {
        for (Rule r : rules) {
            if (r.matches(view)) {
                return r.settings();
            }
        }
        return defaults;
    }

    /**
     * The spec text: every default key, then for each rule its conditions and the keys in which it
     * differs from the defaults.
     */
    @Override
    public String toSpec() {
        StringBuilder sb = new StringBuilder();
        defaults.forEachSpecEntry(null, (k, v) -> append(sb, k, v));
        for (Rule r : rules) {
            String prefix = "rule." + r.name() + ".";
            int before = sb.length();
            r.forEachCondition((k, v) -> append(sb, prefix + k, v));
            r.settings().forEachSpecEntry(defaults, (k, v) -> append(sb, prefix + k, v));
            if (sb.length() == before) {
                // A rule without conditions and without differences still has to appear.
                append(sb, prefix + "close.first", r.settings().closer().specName());
            }
        }
        return sb.toString();
    }

    private static void append(StringBuilder sb, String k, String v) {
        if (sb.length() > 0) {
            sb.append(", ");
        }
        sb.append(k).append('=').append(v);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof StandardClosePolicy p && p.defaults.equals(defaults) && java.util.Arrays.equals(p.rules, rules);
    }

    @Override
    public int hashCode() {
        return defaults.hashCode() * 31 + java.util.Arrays.hashCode(rules);
    }

    @Override
    public String toString() {
        return "ClosePolicy[" + toSpec() + "]";
    }

    /**
     * Builds a {@link StandardClosePolicy}: the default settings (same setters as
     * {@link CloseSettings.Builder}) and rules. Validation is eager; {@link #build()} checks combinations.
     *
     * <p>Thread-safety: not thread-safe.
     */
    public static final class Builder {
        private CloseSettings.Builder settings;
        private final List<Object> rules = new ArrayList<>(); // Rule or Rule.Builder

        Builder(CloseSettings.Builder settings) {
            this.settings = settings;
        }

        /** Who closes first. */
        public Builder closer(Closer c) {
            settings.closer(c);
            return this;
        }

        /** How the server ends its side. */
        public Builder mode(CloseMode m) {
            settings.mode(m);
            return this;
        }

        /** What runs when the client wait runs out. */
        public Builder fallback(CloseMode m) {
            settings.fallback(m);
            return this;
        }

        /** How long to wait for the client's FIN. */
        public Builder clientWait(Duration d) {
            settings.clientWait(d);
            return this;
        }

        /** Bound of waiting for every byte to be acknowledged before an RST. */
        public Builder ackWait(Duration d) {
            settings.ackWait(d);
            return this;
        }

        /** See {@link CloseSettings.Builder#resetAfterAck(boolean)}. */
        public Builder resetAfterAck(boolean on) {
            settings.resetAfterAck(on);
            return this;
        }

        /** Total bound of lingering. */
        public Builder lingerTime(Duration d) {
            settings.lingerTime(d);
            return this;
        }

        /** Silence that ends lingering. */
        public Builder lingerTimeout(Duration d) {
            settings.lingerTimeout(d);
            return this;
        }

        /** Most input discarded while closing. */
        public Builder lingerBytes(long bytes) {
            settings.lingerBytes(bytes);
            return this;
        }

        /** Bound of draining HTTP/2 streams in flight after a graceful {@code GOAWAY}. */
        public Builder drainTimeout(Duration d) {
            settings.drainTimeout(d);
            return this;
        }

        /** Bound of flushing the last response. */
        public Builder flushTimeout(Duration d) {
            settings.flushTimeout(d);
            return this;
        }

        /** How long to wait for the FIN of an HTTP/1.0 peer not known yet; see {@link CloseSettings.Builder#eofProbe}. */
        public Builder eofProbe(Duration d) {
            settings.eofProbe(d);
            return this;
        }

        /** Who closes first after a length-delimited HTTP/1.0 response; see {@link CloseSettings.Builder#http10First}. */
        public Builder http10First(Http10First how) {
            settings.http10First(how);
            return this;
        }

        /** Maximum requests per connection (1: no reuse). */
        public Builder maxRequests(long n) {
            settings.maxRequests(n);
            return this;
        }

        /** No request limit. */
        public Builder unlimitedRequests() {
            settings.unlimitedRequests();
            return this;
        }

        /** Idle timeout. */
        public Builder idleTimeout(Duration d) {
            settings.idleTimeout(d);
            return this;
        }

        /** Maximum connection age. */
        public Builder maxAge(Duration d) {
            settings.maxAge(d);
            return this;
        }

        /** No maximum age. */
        public Builder noMaxAge() {
            settings.noMaxAge();
            return this;
        }

        /** Jitter fraction in [0, 0.5]. */
        public Builder jitter(double fraction) {
            settings.jitter(fraction);
            return this;
        }

        /** Jitter seed. */
        public Builder jitterSeed(long seed) {
            settings.jitterSeed(seed);
            return this;
        }

        /** Whether the client's {@code Connection: close} retires the connection. */
        public Builder honourClientClose(boolean on) {
            settings.honourClientClose(on);
            return this;
        }

        /**
         * Changes the default settings through their builder; the builder the function returns
         * (usually the one it was given) holds the new defaults.
         */
        public Builder defaults(UnaryOperator<CloseSettings.Builder> changes) {
            settings = Objects.requireNonNull(changes.apply(settings), "defaults(changes) returned null");
            return this;
        }

        /** Adds a rule whose {@code settings(changes)} apply to this policy's defaults. */
        public Builder rule(Rule.Builder rule) {
            rules.add(Objects.requireNonNull(rule, "rule"));
            return this;
        }

        /** Adds a built rule. */
        public Builder rule(Rule rule) {
            rules.add(Objects.requireNonNull(rule, "rule"));
            return this;
        }

        /**
         * Builds the policy.
         *
         * @throws IllegalArgumentException for invalid combinations or duplicate rule names
         */
        public StandardClosePolicy build() {
            CloseSettings defaults = settings.build();
            List<Rule> built = new ArrayList<>();
            Set<String> names = new LinkedHashSet<>();
            for (Object o : rules) {
                Rule r = o instanceof Rule ? (Rule) o : ((Rule.Builder) o).build(defaults);
                if (!names.add(r.name())) {
                    throw new IllegalArgumentException("duplicate rule name '" + r.name() + "'");
                }
                built.add(r);
            }
            return new StandardClosePolicy(defaults, built);
        }
    }
}
