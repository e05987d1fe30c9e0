package org.closepolicy.micrometer;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.From;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.Size;
import org.closepolicy.CloseEvent;
import org.closepolicy.CloseListener;
import org.closepolicy.CloseMode;
import org.closepolicy.CloseStats;
import org.closepolicy.FallbackReason;
import org.closepolicy.RetireReason;
import org.closepolicy.WhoClosed;

/**
 * The cross-product counter agrees with {@link CloseStats} on every dimension, and its tags stay within the enum
 * names, whatever the events.
 */
class ClosedCounterPropertyTest {

    @Provide
    Arbitrary<CloseEvent> events() {
        Arbitrary<WhoClosed> who = Arbitraries.of(WhoClosed.class);
        Arbitrary<CloseMode> used = Arbitraries.of(CloseMode.class).injectNull(0.1);
        Arbitrary<FallbackReason> fallback = Arbitraries.of(FallbackReason.class);
        Arbitrary<RetireReason> reason = Arbitraries.of(RetireReason.class).injectNull(0.3);
        Arbitrary<Long> millis = Arbitraries.longs().between(0, 5_000);
        return Combinators.combine(who, used, fallback, reason, millis).as((w, u, f, r, ms) -> r == null
                ? Events.endedByPeer(w, u)
                : Events.retired(w, CloseMode.RST, u, f, r, Duration.ofMillis(ms)));
    }

    @Property(tries = 200)
    void everyDimensionSumsToTheStatsCounts(@ForAll @Size(max = 60) List<@From("events") CloseEvent> events) {
        CloseStats stats = new CloseStats();
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        ClosePolicyMetrics metrics = ClosePolicyMetrics.builder(stats).build();
        metrics.bindTo(registry);
        CloseListener listener = stats; // the stats pass every event on to the metrics

        events.forEach(listener::onClose);

        List<Counter> counters = List.copyOf(registry.find(MeteredCloseListener.CLOSED).counters());
        assertThat(sum(counters, "who", null)).isEqualTo(stats.closed());
        for (WhoClosed w : WhoClosed.values()) {
            assertThat(sum(counters, "who", w)).as("who=%s", w).isEqualTo(stats.whoClosed(w));
        }
        for (CloseMode m : CloseMode.values()) {
            assertThat(sum(counters, "mode", m)).as("mode=%s", m).isEqualTo(stats.usedMode(m));
        }
        for (FallbackReason r : FallbackReason.values()) {
            assertThat(sum(counters, "reason", r)).as("reason=%s", r).isEqualTo(stats.fallback(r));
        }
        long retired = events.stream().filter(e -> e.retireReason() != null).count();
        long timed = registry.find(MeteredCloseListener.CLOSE_DURATION).timers().stream().mapToLong(t -> t.count()).sum();
        assertThat(timed).isEqualTo(retired);
    }

    @Property(tries = 100)
    void tagValuesAreLowerCaseEnumNamesOnly(@ForAll @Size(max = 60) List<@From("events") CloseEvent> events) {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        ClosePolicyMetrics metrics = ClosePolicyMetrics.builder(new CloseStats()).build();
        metrics.bindTo(registry);

        events.forEach(metrics.closeListener()::onClose);

        Set<String> who = allowed(WhoClosed.values());
        Set<String> mode = allowed(CloseMode.values());
        mode.add("none");
        Set<String> reason = allowed(FallbackReason.values());
        for (Meter m : registry.find(MeteredCloseListener.CLOSED).meters()) {
            assertThat(m.getId().getTag("who")).isIn(who);
            assertThat(m.getId().getTag("mode")).isIn(mode);
            assertThat(m.getId().getTag("reason")).isIn(reason);
            assertThat(m.getId().getTags()).hasSize(3);
        }
        for (Meter m : registry.find(MeteredCloseListener.CLOSE_DURATION).meters()) {
            assertThat(m.getId().getTag("mode")).isIn(mode);
            assertThat(m.getId().getTags()).hasSize(1);
        }
    }

    private static Set<String> allowed(Enum<?>[] values) {
        return Stream.of(values).map(v -> v.name().toLowerCase(Locale.ROOT)).collect(Collectors.toCollection(HashSet::new));
    }

    /** Sum of the counters whose {@code key} tag is {@code value} (every counter when {@code value} is null). */
    private static long sum(List<Counter> counters, String key, Enum<?> value) {
        String v = value == null ? null : value.name().toLowerCase(Locale.ROOT);
        return (long) counters.stream()
                .filter(c -> v == null || v.equals(c.getId().getTag(key)))
                .mapToDouble(Counter::count)
                .sum();
    }
}
