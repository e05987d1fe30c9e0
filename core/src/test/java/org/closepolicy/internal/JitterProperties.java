package org.closepolicy.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.Set;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.DoubleRange;
import net.jqwik.api.constraints.LongRange;
import org.junit.jupiter.api.Test;

/** Per-connection jitter is bounded and reproducible from (seed, connection id). */
class JitterProperties {

    @Property
    void theUnitValueIsInZeroToOneAndDeterministic(@ForAll long seed, @ForAll long id) {
        double u = Jitter.unit(seed, id);
        assertThat(u).isGreaterThanOrEqualTo(0.0).isLessThan(1.0);
        assertThat(Jitter.unit(seed, id)).isEqualTo(u);
    }

    @Property
    void maxAgeStaysWithinPlusMinusJitter(@ForAll @LongRange(min = 1, max = Long.MAX_VALUE) long maxAgeNanos,
            @ForAll @DoubleRange(min = 0, max = 0.5) double jitter, @ForAll long seed, @ForAll long id) {
        long age = Jitter.ageNanos(maxAgeNanos, jitter, seed, id);
        assertThat(age).isEqualTo(Jitter.ageNanos(maxAgeNanos, jitter, seed, id));
        assertThat(age).isPositive();
        double lo = Math.floor(maxAgeNanos * (1 - jitter) * (1 - 1e-12));
        double hi = Math.ceil(maxAgeNanos * (1 + jitter) * (1 + 1e-12));
        assertThat((double) age).isBetween(lo, hi);
        if (jitter == 0) {
            assertThat(age).isEqualTo(maxAgeNanos);
        }
    }

    @Property
    void maxRequestsNeverExceedsTheSettingAndNeverDropsBelowItsLowerBound(
            @ForAll @LongRange(min = 1, max = Long.MAX_VALUE - 1) long maxRequests,
            @ForAll @DoubleRange(min = 0, max = 0.5) double jitter, @ForAll long seed, @ForAll long id) {
        long n = Jitter.requests(maxRequests, jitter, seed, id);
        assertThat(n).isEqualTo(Jitter.requests(maxRequests, jitter, seed, id));
        assertThat(n).isBetween(1L, maxRequests);
        assertThat((double) n).isGreaterThanOrEqualTo(Math.floor(maxRequests * (1 - jitter) * (1 - 1e-12)));
        if (jitter == 0) {
            assertThat(n).isEqualTo(maxRequests);
        }
    }

    @Test
    void hugeRequestLimitsStayAtOrBelowTheSetting() {
        for (long id = 0; id < 10_000; id++) {
            assertThat(Jitter.requests(Long.MAX_VALUE - 1, 0.1, 7, id)).isLessThanOrEqualTo(Long.MAX_VALUE - 1);
            assertThat(Jitter.requests((1L << 53) + 1, 0.0001, 7, id)).isLessThanOrEqualTo((1L << 53) + 1);
        }
        assertThat(Jitter.requests(Long.MAX_VALUE, 0.5, 1, 1)).isEqualTo(Long.MAX_VALUE);
    }

    @Test
    void connectionsSpreadOverTheWholeRange() {
        long maxAge = 3_600_000_000_000L;
        long min = Long.MAX_VALUE;
        long max = Long.MIN_VALUE;
        Set<Long> distinct = new HashSet<>();
        for (long id = 1; id <= 2_000; id++) {
            long a = Jitter.ageNanos(maxAge, 0.10, 0, id);
            min = Math.min(min, a);
            max = Math.max(max, a);
            distinct.add(a);
        }
        assertThat(distinct).hasSizeGreaterThan(1_990);
        assertThat(min).isLessThan((long) (maxAge * 0.91));
        assertThat(max).isGreaterThan((long) (maxAge * 1.09));
    }

    @Test
    void theSeedChangesTheFactors() {
        assertThat(Jitter.unit(1, 42)).isNotEqualTo(Jitter.unit(2, 42));
    }
}
