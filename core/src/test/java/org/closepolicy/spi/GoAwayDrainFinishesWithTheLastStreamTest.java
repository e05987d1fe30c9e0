package org.closepolicy.spi;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.closepolicy.ClosePolicies;
import org.closepolicy.ClosePolicy;
import org.closepolicy.Closer;
import org.closepolicy.Preset;
import org.closepolicy.Protocol;
import org.closepolicy.Retire;
import org.closepolicy.RetireReason;
import org.junit.jupiter.api.Test;

/**
 * The HTTP/2 drain every adapter shares: one {@code GOAWAY} per connection, the last stream id it announces, the
 * connection handed to the policy only once the {@code GOAWAY} is out and the last stream in flight has ended, and
 * a deadline that makes the server close first.
 */
class GoAwayDrainFinishesWithTheLastStreamTest {

    private static final ConnectionRecord VIEW = new ConnectionRecord(Protocol.HTTP2, null, null, 0, null);
    private static final Retire MAX_REQUESTS = ClosePolicies.clientFirst().defaults().retire(RetireReason.MAX_REQUESTS);

    @Test
    void theGoAwayIsAskedForOnceAndTheFirstRetirementStays() {
        GoAwayDrain drain = new GoAwayDrain();
        Retire other = ClosePolicies.clientFirst().defaults().retire(RetireReason.APPLICATION);

        assertThat(drain.begin(MAX_REQUESTS)).isTrue();
        assertThat(drain.begin(other)).isFalse();
        assertThat(drain.retiring()).isSameAs(MAX_REQUESTS);
        assertThat(drain.draining()).isTrue();
    }

    @Test
    void anIdleConnectionIsDrainedOnceItsGoAwayIsWritten() {
        GoAwayDrain drain = new GoAwayDrain();
        drain.begin(MAX_REQUESTS);

        assertThat(drain.drained()).isFalse();
        assertThat(drain.goAwayWritten()).isTrue();
        assertThat(drain.finish()).isSameAs(MAX_REQUESTS);
        assertThat(drain.draining()).isFalse();
        assertThat(drain.finish()).isNull();
    }

    @Test
    void theLastStreamToEndFinishesTheDrainAndEarlierOnesDoNot() {
        GoAwayDrain drain = new GoAwayDrain();
        drain.streamOpened(1);
        drain.streamOpened(3);
        drain.streamOpened(5);
        drain.begin(MAX_REQUESTS);
        assertThat(drain.goAwayWritten()).isFalse();

        assertThat(drain.streamEnded(3)).isFalse();
        assertThat(drain.streamEnded(3)).as("a stream ends once").isFalse();
        assertThat(drain.inFlight()).isEqualTo(2);
        assertThat(drain.streamEnded(1)).isFalse();
        assertThat(drain.streamEnded(5)).isTrue();
        assertThat(drain.lastStreamId()).isEqualTo(5);
    }

    @Test
    void streamsEndingBeforeTheGoAwayIsWrittenWaitForIt() {
        GoAwayDrain drain = new GoAwayDrain();
        drain.streamOpened(7);
        drain.begin(MAX_REQUESTS);

        assertThat(drain.streamEnded(7)).isFalse();
        assertThat(drain.goAwayWritten()).isTrue();
    }

    @Test
    void unknownStreamsChangeNothing() {
        GoAwayDrain drain = new GoAwayDrain();
        drain.streamOpened(1);
        drain.begin(MAX_REQUESTS);
        drain.goAwayWritten();

        assertThat(drain.streamEnded(9)).isFalse();
        assertThat(drain.inFlight()).isEqualTo(1);
        assertThat(drain.streamEnded(1)).isTrue();
    }

    @Test
    void theDeadlineMakesTheServerCloseFirstForTheSameReason() {
        AdapterRuntime runtime = AdapterRuntime.builder(ClosePolicies.clientFirst()).build();
        GoAwayDrain drain = new GoAwayDrain();
        drain.streamOpened(1);
        drain.begin(runtime.retireAnnounced(VIEW, RetireReason.DRAIN, false));
        assertThat(drain.retiring().closer()).isEqualTo(Closer.CLIENT_FIRST);

        Retire expired = drain.expire(runtime, VIEW);

        assertThat(expired.closer()).isEqualTo(Closer.SERVER_FIRST);
        assertThat(expired.reason()).isEqualTo(RetireReason.DRAIN);
        assertThat(drain.draining()).isFalse();
        assertThat(drain.expire(runtime, VIEW)).isNull();
    }

    @Test
    void theDeadlineIsTheDrainTimeoutBoundedToAYear() {
        GoAwayDrain drain = new GoAwayDrain();
        assertThat(drain.deadlineDelayNanos()).isZero();
        drain.begin(ClosePolicy.builder(Preset.KEEP_ALIVE).drainTimeout(Duration.ofMillis(250)).build()
                .defaults().retire(RetireReason.MAX_AGE));
        assertThat(drain.deadlineDelayNanos()).isEqualTo(TimeUnit.MILLISECONDS.toNanos(250));

        GoAwayDrain forever = new GoAwayDrain();
        forever.begin(ClosePolicy.builder(Preset.KEEP_ALIVE).drainTimeout(Duration.ofDays(100_000)).build()
                .defaults().retire(RetireReason.MAX_AGE));
        assertThat(forever.deadlineDelayNanos()).isEqualTo(TimeUnit.DAYS.toNanos(365));
    }

    /** In any order of stream ends, exactly the last one (after the GOAWAY is written) finishes the drain. */
    @Property
    void exactlyTheLastEndFinishesTheDrain(@ForAll @IntRange(min = 1, max = 300) int streams, @ForAll long seed) {
        GoAwayDrain drain = new GoAwayDrain();
        List<Integer> ids = new ArrayList<>();
        for (int i = 0; i < streams; i++) {
            ids.add(2 * i + 1);
            drain.streamOpened(2 * i + 1);
        }
        drain.begin(MAX_REQUESTS);
        assertThat(drain.goAwayWritten()).isFalse();
        Collections.shuffle(ids, new java.util.Random(seed));

        int finished = 0;
        for (int i = 0; i < ids.size(); i++) {
            if (drain.streamEnded(ids.get(i))) {
                finished++;
                assertThat(i).isEqualTo(ids.size() - 1);
            }
        }
        assertThat(finished).isEqualTo(1);
        assertThat(drain.lastStreamId()).isEqualTo(2 * streams - 1);
    }
}
