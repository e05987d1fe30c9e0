package org.closepolicy.jetty;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.closepolicy.Ticker;
import org.eclipse.jetty.util.thread.ScheduledExecutorScheduler;
import org.eclipse.jetty.util.thread.Scheduler;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The close-step timers of a connector's connections are deadlines swept by one scheduler task: arming and
 * cancelling a connection's timer does not schedule a task of its own (which woke the scheduler's thread for
 * every client-first connection), a deadline fires once and never before it is due, a cancelled or moved one
 * does not fire, and a cancelled or spent timer leaves the connector's list at once.
 */
class CloseDeadlinesShareOneSweepTest {

    private ScheduledExecutorScheduler jetty;
    private CountingScheduler scheduler;
    private ConnectorDeadlines deadlines;

    @BeforeEach
    void start() throws Exception {
        jetty = new ScheduledExecutorScheduler("deadlines-test", true);
        jetty.start();
        scheduler = new CountingScheduler(jetty);
        deadlines = new ConnectorDeadlines(scheduler);
    }

    @AfterEach
    void stop() throws Exception {
        deadlines.destroy();
        jetty.stop();
    }

    /** One connection's timer, with its lock, as a transport holds it. */
    private final class Connection {
        final Object lock = new Object();
        final AtomicInteger fired = new AtomicInteger();
        final AtomicLong firedAt = new AtomicLong();
        volatile boolean closed;
        final DeadlineTimer timer = new DeadlineTimer(deadlines, Ticker.system(), () -> closed, this::onDue);

        private void onDue() {
            synchronized (lock) {
                if (timer.due()) {
                    firedAt.set(System.nanoTime());
                    fired.incrementAndGet();
                }
            }
        }

        void schedule(Duration delay) {
            synchronized (lock) {
                timer.schedule(delay.toNanos());
            }
        }

        void cancel() {
            synchronized (lock) {
                timer.cancel();
            }
        }
    }

    @Test
    void manyClientWaitsArmedAndCancelledScheduleOneTask() {
        List<Connection> connections = new ArrayList<>();
        for (int i = 0; i < 1_000; i++) {
            Connection c = new Connection();
            c.schedule(Duration.ofMillis(300));
            connections.add(c);
        }
        assertThat(deadlines.armedCount()).isEqualTo(1_000);
        connections.forEach(Connection::cancel);
        // The first deadline armed the sweep; the later ones were not earlier than it.
        assertThat(scheduler.scheduled.get()).isLessThanOrEqualTo(2);
        // Cancelled timers leave the list at once: it keeps no closed connection reachable until a sweep.
        assertThat(deadlines.armedCount()).isZero();

        // The sweep comes at the first deadline and fires nothing.
        await().atMost(Duration.ofSeconds(10)).until(() -> scheduler.ran.get() >= 1);
        assertThat(connections).allSatisfy(c -> assertThat(c.fired).hasValue(0));
        assertThat(scheduler.scheduled.get()).isLessThanOrEqualTo(2);
    }

    @Test
    void aDeadlineFiresOnceAndNotBeforeItIsDue() {
        Connection c = new Connection();
        long armedAt = System.nanoTime();
        c.schedule(Duration.ofMillis(150));

        await().atMost(Duration.ofSeconds(10)).until(() -> c.fired.get() == 1);
        assertThat(c.firedAt.get() - armedAt).isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(150));
        assertThat(deadlines.armedCount()).isZero();
        assertThat(c.fired).hasValue(1);
    }

    @Test
    void aCancelledDeadlineNeverFiresAndAMovedOneFiresAtItsNewTime() {
        Connection cancelled = new Connection();
        Connection moved = new Connection();
        Connection witness = new Connection();
        cancelled.schedule(Duration.ofMillis(100));
        moved.schedule(Duration.ofMillis(100));
        witness.schedule(Duration.ofMillis(400));
        cancelled.cancel();
        long movedAt = System.nanoTime();
        moved.schedule(Duration.ofMillis(300)); // the latest call wins, also when it is later

        await().atMost(Duration.ofSeconds(10)).until(() -> witness.fired.get() == 1);
        assertThat(cancelled.fired).hasValue(0);
        assertThat(moved.fired).hasValue(1);
        assertThat(moved.firedAt.get() - movedAt).isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(300));
    }

    @Test
    void anEarlierDeadlineBringsTheSweepForward() {
        Connection late = new Connection();
        Connection early = new Connection();
        late.schedule(Duration.ofSeconds(60));
        early.schedule(Duration.ofMillis(50));

        await().atMost(Duration.ofSeconds(10)).until(() -> early.fired.get() == 1);
        assertThat(late.fired).hasValue(0);
        assertThat(late.timer.armed()).isTrue();
    }

    @Test
    void aClosedConnectionArmsNothing() {
        Connection c = new Connection();
        c.closed = true;
        c.schedule(Duration.ofMillis(10));
        assertThat(c.timer.armed()).isFalse();
        assertThat(deadlines.armedCount()).isZero();
        assertThat(scheduler.scheduled.get()).isZero();
    }

    /** Jetty's scheduler, counting the tasks scheduled on it. */
    private static final class CountingScheduler implements Scheduler {
        private final Scheduler delegate;
        final AtomicInteger scheduled = new AtomicInteger();
        final AtomicInteger ran = new AtomicInteger();

        CountingScheduler(Scheduler delegate) {
            this.delegate = delegate;
        }

        @Override
        public Task schedule(Runnable task, long delay, TimeUnit units) {
            scheduled.incrementAndGet();
            return delegate.schedule(() -> {
                ran.incrementAndGet();
                task.run();
            }, delay, units);
        }

        @Override
        public void start() throws Exception {
            delegate.start();
        }

        @Override
        public void stop() throws Exception {
            delegate.stop();
        }

        @Override
        public boolean isRunning() {
            return delegate.isRunning();
        }

        @Override
        public boolean isStarted() {
            return delegate.isStarted();
        }

        @Override
        public boolean isStarting() {
            return delegate.isStarting();
        }

        @Override
        public boolean isStopping() {
            return delegate.isStopping();
        }

        @Override
        public boolean isStopped() {
            return delegate.isStopped();
        }

        @Override
        public boolean isFailed() {
            return delegate.isFailed();
        }

        @Override
        public boolean addEventListener(java.util.EventListener listener) {
            return delegate.addEventListener(listener);
        }

        @Override
        public boolean removeEventListener(java.util.EventListener listener) {
            return delegate.removeEventListener(listener);
        }
    }
}
