package org.closepolicy.spi;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;

/**
 * The registry's table of open connections answers exactly as a map from id to connection would, through growth
 * and removals in any order (the backward shift after a removal must never hide an entry behind a hole).
 */
class LiveConnectionsActLikeAMapByIdTest {

    private record Conn(long id) implements DrainableConnection {
        @Override
        public void drain(long idleGraceNanos) {
        }

        @Override
        public void cut() {
        }
    }

    /** Each step: a positive value puts that id, a negative one removes its absolute value. */
    @Property(tries = 300)
    void anySequenceOfPutsAndRemovesMatchesAHashMap(
            @ForAll @Size(max = 600) List<@IntRange(min = -200, max = 200) Integer> steps) {
        LiveConnections live = new LiveConnections();
        Map<Long, DrainableConnection> model = new HashMap<>();
        for (int step : steps) {
            long id = Math.abs((long) step);
            if (step >= 0) {
                Conn c = new Conn(id);
                live.put(id, c);
                model.put(id, c);
            } else {
                assertThat(live.remove(id)).isSameAs(model.remove(id));
            }
            assertThat(live.size()).isEqualTo(model.size());
        }
        for (long id = 0; id <= 200; id++) {
            assertThat(live.get(id)).isSameAs(model.get(id));
        }
        assertThat(live.snapshot()).containsExactlyInAnyOrderElementsOf(model.values());
    }

    @Test
    void tenThousandConnectionsComeAndGo() {
        LiveConnections live = new LiveConnections();
        for (long id = 1; id <= 10_000; id++) {
            live.put(id, new Conn(id));
        }
        assertThat(live.size()).isEqualTo(10_000);
        for (long id = 1; id <= 10_000; id += 2) {
            assertThat(live.remove(id)).isEqualTo(new Conn(id));
        }
        assertThat(live.size()).isEqualTo(5_000);
        for (long id = 1; id <= 10_000; id++) {
            assertThat(live.get(id)).isEqualTo(id % 2 == 0 ? new Conn(id) : null);
        }
        assertThat(live.remove(1)).isNull();
    }
}
