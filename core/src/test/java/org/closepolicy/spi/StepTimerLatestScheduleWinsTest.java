package org.closepolicy.spi;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * The close-step timer every adapter uses: the latest schedule replaces the earlier one whether it is due sooner
 * or later, a firing that a cancel or a newer schedule could not stop runs nothing, and a deferral arms only the
 * last deadline asked for, once it ends.
 */
class StepTimerLatestScheduleWinsTest {

    /** A framework scheduler that only records: the test fires its tasks by hand. */
    private static final class ManualTimer extends StepTimer<ManualTimer.Task> {
        final class Task {
            final long delayNanos;
            final int generation;
            boolean cancelled;

            Task(long delayNanos, int generation) {
                this.delayNanos = delayNanos;
                this.generation = generation;
            }

            void fire() {
                if (fired(generation)) {
                    steps++;
                }
            }
        }

        final List<Task> armed = new ArrayList<>();
        int steps;

        ManualTimer(AtomicLong now) {
            super(now::get);
        }

        @Override
        protected Task arm(long delayNanos, int generation) {
            Task t = new Task(delayNanos, generation);
            armed.add(t);
            return t;
        }

        @Override
        protected void cancel(Task task) {
            task.cancelled = true;
        }

        Task last() {
            return armed.get(armed.size() - 1);
        }
    }

    private final AtomicLong now = new AtomicLong();

    @Test
    void aLaterDeadlineReplacesAnEarlierOne() {
        ManualTimer timer = new ManualTimer(now);
        timer.schedule(100);
        ManualTimer.Task early = timer.last();
        timer.schedule(5_000);

        assertThat(early.cancelled).isTrue();
        assertThat(timer.last().delayNanos).isEqualTo(5_000);
        early.fire(); // it ran before the cancel reached it
        assertThat(timer.steps).as("a replaced timer runs no step").isZero();
        timer.last().fire();
        assertThat(timer.steps).isEqualTo(1);
        assertThat(timer.armed()).isFalse();
    }

    @Test
    void anEarlierDeadlineReplacesALaterOne() {
        ManualTimer timer = new ManualTimer(now);
        timer.schedule(5_000);
        ManualTimer.Task late = timer.last();
        timer.schedule(100);

        assertThat(late.cancelled).isTrue();
        timer.last().fire();
        late.fire();
        assertThat(timer.steps).isEqualTo(1);
    }

    @Test
    void aCancelledTimerRunsNothingAndATimerFiresOnce() {
        ManualTimer timer = new ManualTimer(now);
        timer.schedule(100);
        ManualTimer.Task t = timer.last();
        timer.cancel();
        t.fire();
        assertThat(timer.steps).isZero();

        timer.schedule(100);
        timer.last().fire();
        timer.last().fire();
        assertThat(timer.steps).as("a spent timer does not fire twice").isEqualTo(1);
    }

    @Test
    void delaysAreClampedToZeroAndAYear() {
        ManualTimer timer = new ManualTimer(now);
        timer.schedule(-5);
        assertThat(timer.last().delayNanos).isZero();
        timer.schedule(Long.MAX_VALUE);
        assertThat(timer.last().delayNanos).isEqualTo(TimeUnit.DAYS.toNanos(365));
    }

    @Test
    void aDeferralArmsTheLastDeadlineAskedForWhenItEnds() {
        ManualTimer timer = new ManualTimer(now);
        timer.defer();
        timer.schedule(1_000);
        timer.schedule(3_000);
        assertThat(timer.armed).isEmpty();
        assertThat(timer.armed()).isTrue();

        now.addAndGet(500);
        timer.endDeferral();

        assertThat(timer.armed).hasSize(1);
        assertThat(timer.last().delayNanos).as("the deadline kept its place in time").isEqualTo(2_500);
        timer.last().fire();
        assertThat(timer.steps).isEqualTo(1);
    }

    @Test
    void aDeadlineCancelledDuringTheDeferralIsNotArmed() {
        ManualTimer timer = new ManualTimer(now);
        timer.defer();
        timer.schedule(1_000);
        timer.cancel();
        timer.endDeferral();

        assertThat(timer.armed).isEmpty();
        assertThat(timer.armed()).isFalse();
        assertThat(timer.deferring()).isFalse();
    }
}
