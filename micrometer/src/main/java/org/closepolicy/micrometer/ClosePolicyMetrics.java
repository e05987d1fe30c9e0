package org.closepolicy.micrometer;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import org.closepolicy.CloseStats;
import org.closepolicy.RetireReason;
import org.closepolicy.kernel.TimeWaitSampler;

/**
 * Binds closepolicy's counters, its per-close events and the kernel's TIME_WAIT count to a Micrometer registry.
 *
 * <p>Bind the adapter's own statistics, nothing else to wire:
 * <pre>{@code
 * NettyClosePolicy closePolicy = NettyClosePolicy.builder(ClosePolicies.clientFirst()).build(); // or a ClosePolicyConnector
 * ClosePolicyMetrics.bind(registry, closePolicy.stats());
 * }</pre>
 * With options:
 * <pre>{@code
 * TimeWaitSampler timeWait = TimeWaitSampler.builder().ports(8080).build();    // optional
 * ClosePolicyMetrics metrics = ClosePolicyMetrics.builder(closePolicy.stats())
 *         .timeWaitSampler(timeWait)
 *         .tag("server", "api")
 *         .build();
 * metrics.bindTo(registry);                                                   // or a MeterBinder bean
 * }</pre>
 * The binder reads the counters of the stats and receives their events ({@link CloseStats#forwardTo}), so each
 * connection is counted once, by the adapter.
 *
 * <p>Meters, each with the common tags of the builder (Prometheus names in brackets):
 * <table>
 *   <caption>Meters bound by this binder</caption>
 *   <tr><th>name</th><th>type</th><th>tags</th><th>from</th></tr>
 *   <tr><td>{@code closepolicy.connections.opened} ({@code _total})</td><td>function counter</td><td></td>
 *       <td>{@link CloseStats#opened()}</td></tr>
 *   <tr><td>{@code closepolicy.connections.open}</td><td>gauge</td><td></td><td>{@link CloseStats#open()}</td></tr>
 *   <tr><td>{@code closepolicy.requests} ({@code _total})</td><td>function counter</td><td></td>
 *       <td>{@link CloseStats#requests()}: requests served on connections that have closed</td></tr>
 *   <tr><td>{@code closepolicy.decisions} ({@code _total})</td><td>function counter</td>
 *       <td>{@code decision=reuse|retire}</td><td>{@link CloseStats#reused()}, {@link CloseStats#retired()}</td></tr>
 *   <tr><td>{@code closepolicy.connections.retired} ({@code _total})</td><td>function counter</td>
 *       <td>{@code reason} ({@link RetireReason} lower case)</td><td>{@link CloseStats#retireReason}: closed
 *       connections the server had retired, by why</td></tr>
 *   <tr><td>{@code closepolicy.connections.closed} ({@code _total})</td><td>counter</td>
 *       <td>{@code who}, {@code mode}, {@code reason}</td><td>{@link #closeListener()}, see
 *       {@link MeteredCloseListener}</td></tr>
 *   <tr><td>{@code closepolicy.close.duration} ({@code _seconds})</td><td>timer</td><td>{@code mode}</td>
 *       <td>{@link #closeListener()}</td></tr>
 *   <tr><td>{@code closepolicy.tcp.time_wait}</td><td>gauge</td><td>{@code side=server|other}</td>
 *       <td>{@link TimeWaitSampler}, only when one is given</td></tr>
 * </table>
 *
 * <p>{@code closepolicy.connections.closed} comes from the listener, not from {@link CloseStats}: the stats count
 * each dimension on its own, the listener counts every close once with all three tags, so any breakdown
 * ({@code sum by (who)}, {@code sum by (mode, reason)}) is exact.
 *
 * <p>{@code closepolicy.tcp.time_wait{side=server}} is {@link TimeWaitSampler#serverTimeWait()} and
 * {@code side=other} the rest of the host's TIME_WAIT ({@code totalTimeWait - serverTimeWait}, the host's own
 * outgoing connections and other ports), so the sum over {@code side} is the host total. When the last sample
 * could not read the kernel table ({@link TimeWaitSampler#supported()} false: not Linux, or unreadable) both
 * gauges report {@code NaN} rather than a misleading 0; they are registered all the same, so they come back by
 * themselves once sampling works. Without a sampler they are not registered at all.
 *
 * <p>The registry holds the {@link CloseStats} and the sampler weakly, as Micrometer does for every gauge and
 * function counter: keep your own references (the adapter holding the stats as listener is enough). Binding the
 * same registry twice registers nothing new and records each close once. To bind the stats of two servers to one
 * registry, give each binder a distinguishing tag.
 *
 * <p>Thread-safety: thread-safe; {@link #bindTo} may be called from any thread, the meters read lock-free counters
 * and the latest TIME_WAIT sample, with no I/O.
 */
public final class ClosePolicyMetrics implements MeterBinder {

    static final String OPENED = "closepolicy.connections.opened";
    static final String OPEN = "closepolicy.connections.open";
    static final String REQUESTS = "closepolicy.requests";
    static final String DECISIONS = "closepolicy.decisions";
    static final String RETIRED = "closepolicy.connections.retired";
    static final String TIME_WAIT = "closepolicy.tcp.time_wait";

    /** Tag keys the meters use themselves; a common tag must not replace them. */
    static final Set<String> RESERVED_TAG_KEYS = Set.of("who", "mode", "reason", "decision", "side");

    private final CloseStats stats;
    private final TimeWaitSampler timeWaitSampler;
    private final Tags tags;
    private final MeteredCloseListener closeListener;

    private ClosePolicyMetrics(Builder b) {
        this.stats = b.stats;
        this.timeWaitSampler = b.timeWaitSampler;
        this.tags = b.tags;
        this.closeListener = new MeteredCloseListener(tags);
        stats.forwardTo(closeListener);
    }

    /**
     * Binds the meters of these stats (usually an adapter's {@code stats()}) to the registry, with no common tags and
     * no TIME_WAIT gauges; the same as {@code builder(stats).build().bindTo(registry)}.
     *
     * @return the binder, to bind to more registries
     */
    public static ClosePolicyMetrics bind(MeterRegistry registry, CloseStats stats) {
        Objects.requireNonNull(registry, "registry");
        ClosePolicyMetrics metrics = builder(stats).build();
        metrics.bindTo(registry);
        return metrics;
    }

    /**
     * A builder for meters over {@code stats}, with no TIME_WAIT gauges and no common tags.
     *
     * @throws NullPointerException if {@code stats} is null
     */
    public static Builder builder(CloseStats stats) {
        return new Builder(Objects.requireNonNull(stats, "stats"));
    }

    /**
     * The listener that records {@code closepolicy.connections.closed} and {@code closepolicy.close.duration}
     * into every registry this binder is bound to; the same instance on every call. The stats of the builder
     * already pass it every event: do not give it to an adapter as well (each close would be recorded twice).
     */
    public MeteredCloseListener closeListener() {
        return closeListener;
    }

    /** The common tags added to every meter. */
    public Tags tags() {
        return tags;
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        Objects.requireNonNull(registry, "registry");
        FunctionCounter.builder(OPENED, stats, CloseStats::opened)
                .description("Connections opened")
                .tags(tags)
                .register(registry);
        Gauge.builder(OPEN, stats, CloseStats::open)
                .description("Connections open now")
                .tags(tags)
                .register(registry);
        FunctionCounter.builder(REQUESTS, stats, CloseStats::requests)
                .description("Requests served on connections that have closed")
                .tags(tags)
                .register(registry);
        FunctionCounter.builder(DECISIONS, stats, CloseStats::reused)
                .description("Reuse and retire decisions of the close policy")
                .tags(tags)
                .tag("decision", "reuse")
                .register(registry);
        FunctionCounter.builder(DECISIONS, stats, CloseStats::retired)
                .description("Reuse and retire decisions of the close policy")
                .tags(tags)
                .tag("decision", "retire")
                .register(registry);
        for (RetireReason reason : RetireReason.values()) {
            FunctionCounter.builder(RETIRED, stats, s -> s.retireReason(reason))
                    .description("Closed connections the server had retired, by retire reason")
                    .tags(tags)
                    .tag("reason", reason.name().toLowerCase(Locale.ROOT))
                    .register(registry);
        }
        if (timeWaitSampler != null) {
            Gauge.builder(TIME_WAIT, timeWaitSampler, ClosePolicyMetrics::serverTimeWait)
                    .description("Sockets in TIME_WAIT whose local port is a server port (NaN when the kernel table cannot be read)")
                    .tags(tags)
                    .tag("side", "server")
                    .register(registry);
            Gauge.builder(TIME_WAIT, timeWaitSampler, ClosePolicyMetrics::otherTimeWait)
                    .description("Other sockets in TIME_WAIT on this host (NaN when the kernel table cannot be read)")
                    .tags(tags)
                    .tag("side", "other")
                    .register(registry);
        }
        closeListener.bindTo(registry);
    }

    private static double serverTimeWait(TimeWaitSampler s) {
        return s.supported() ? s.serverTimeWait() : Double.NaN;
    }

    private static double otherTimeWait(TimeWaitSampler s) {
        // Two reads may straddle a new sample; never report a negative count.
        return s.supported() ? Math.max(0, s.totalTimeWait() - s.serverTimeWait()) : Double.NaN;
    }

    @Override
    public String toString() {
        return "ClosePolicyMetrics[tags=" + tags + ", timeWait=" + (timeWaitSampler != null) + "]";
    }

    /**
     * Configures a {@link ClosePolicyMetrics}.
     *
     * <pre>{@code
     * ClosePolicyMetrics m = ClosePolicyMetrics.builder(stats).timeWaitSampler(sampler).tag("server", "api").build();
     * }</pre>
     *
     * <p>Thread-safety: not thread-safe; use from one thread, then call {@link #build()}.
     */
    public static final class Builder {
        private final CloseStats stats;
        private TimeWaitSampler timeWaitSampler;
        private Tags tags = Tags.empty();

        private Builder(CloseStats stats) {
            this.stats = stats;
        }

        /**
         * Adds the {@code closepolicy.tcp.time_wait} gauges, read from this sampler's latest sample; null
         * (the default) leaves them out. The caller owns the sampler and closes it.
         */
        public Builder timeWaitSampler(TimeWaitSampler sampler) {
            this.timeWaitSampler = sampler;
            return this;
        }

        /**
         * Adds common tags to every meter; a key given again replaces the earlier value.
         *
         * @throws IllegalArgumentException if a key is one the meters use themselves
         *         ({@code who}, {@code mode}, {@code reason}, {@code decision}, {@code side})
         */
        public Builder tags(Iterable<Tag> tags) {
            Objects.requireNonNull(tags, "tags");
            for (Tag t : tags) {
                checkKey(t.getKey(), t.getValue());
            }
            this.tags = this.tags.and(tags);
            return this;
        }

        /**
         * Adds one common tag to every meter; a key given again replaces the earlier value.
         *
         * @throws IllegalArgumentException if {@code key} is one the meters use themselves
         *         ({@code who}, {@code mode}, {@code reason}, {@code decision}, {@code side})
         */
        public Builder tag(String key, String value) {
            Objects.requireNonNull(key, "key");
            Objects.requireNonNull(value, "value");
            checkKey(key, value);
            this.tags = this.tags.and(key, value);
            return this;
        }

        private static void checkKey(String key, String value) {
            if (RESERVED_TAG_KEYS.contains(key)) {
                throw new IllegalArgumentException("tag key '" + key + "' (value '" + value
                        + "') is used by the closepolicy meters themselves; reserved keys: " + new TreeSet<>(RESERVED_TAG_KEYS));
            }
        }

        /** The binder; call {@link ClosePolicyMetrics#bindTo} to register its meters. */
        public ClosePolicyMetrics build() {
            return new ClosePolicyMetrics(this);
        }
    }
}
