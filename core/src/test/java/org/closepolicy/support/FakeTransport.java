package org.closepolicy.support;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.closepolicy.spi.CloseStateMachine;
import org.closepolicy.spi.Transport;

/**
 * A transport that records what the machine asks of it and simulates the machine's single timer
 * on a {@link ManualTicker}: moving time fires the timer exactly when it falls due.
 *
 * <p>Thread-safety: not thread-safe.
 */
public class FakeTransport implements Transport {

    /** Every call, in order: {@code shutdownOutput}, {@code close}, {@code reset}, {@code watchAcks}, {@code schedule}, {@code cancel}. */
    public final List<String> calls = new ArrayList<>();
    public int shutdowns;
    public int closes;
    public int resets;
    public int ackWatches;
    public long ackWatchTimeoutNanos = -1;
    /** What {@link #unacknowledged()} answers (unknown by default). */
    public long unacked = -1;
    /** What {@link #peerAnswersClose()} answers (no by default; yes stands for TLS). */
    public boolean peerAnswersClose;

    private final ManualTicker ticker;
    private CloseStateMachine machine;
    private boolean armed;
    private long due;
    private Consumer<String> observer = c -> { };

    /** A transport on this ticker; call {@link #attach} before driving the machine. */
    public FakeTransport(ManualTicker ticker) {
        this.ticker = ticker;
    }

    /** The machine whose {@code onTimer} this transport calls. */
    public void attach(CloseStateMachine m) {
        this.machine = m;
    }

    /** Called with the name of each close-like call ({@code shutdownOutput}, {@code close}, {@code reset}) as it happens. */
    public void observe(Consumer<String> o) {
        this.observer = o;
    }

    @Override
    public boolean peerAnswersClose() {
        return peerAnswersClose;
    }

    @Override
    public void shutdownOutput() {
        shutdowns++;
        calls.add("shutdownOutput");
        observer.accept("shutdownOutput");
    }

    @Override
    public void close() {
        closes++;
        calls.add("close");
        observer.accept("close");
    }

    @Override
    public void reset() {
        resets++;
        calls.add("reset");
        observer.accept("reset");
    }

    @Override
    public void schedule(long delayNanos) {
        if (delayNanos < 0) {
            throw new AssertionError("negative timer delay " + delayNanos);
        }
        armed = true;
        due = ticker.nanos() + delayNanos;
        calls.add("schedule");
    }

    /** How often the machine let the transport close by itself at the peer's FIN ({@link Transport#closeAtPeerFin()}). */
    public int closesAtPeerFinAllowed;

    @Override
    public void closeAtPeerFin() {
        closesAtPeerFinAllowed++;
    }

    @Override
    public void cancelTimer() {
        armed = false;
        calls.add("cancel");
    }

    @Override
    public void watchAcks(long timeoutNanos) {
        ackWatches++;
        ackWatchTimeoutNanos = timeoutNanos;
        calls.add("watchAcks");
    }

    @Override
    public long unacknowledged() {
        return unacked;
    }

    /** Whether the timer is armed. */
    public boolean timerArmed() {
        return armed;
    }

    /** When the armed timer falls due, in ticker nanoseconds. */
    public long timerDue() {
        return due;
    }

    /** Calls of one kind. */
    public long count(String call) {
        return calls.stream().filter(call::equals).count();
    }

    /** Moves time to {@code t}, firing the timer at each moment it falls due on the way. */
    public void advanceTo(long t) {
        int guard = 0;
        while (armed && due - t <= 0) {
            if (++guard > 10_000) {
                throw new AssertionError("timer keeps firing without progress at " + ticker.nanos());
            }
            ticker.set(due);
            armed = false;
            machine.onTimer();
        }
        ticker.set(t);
    }

    /** Moves time forward by {@code d}, firing timers on the way. */
    public void advance(Duration d) {
        advanceTo(ticker.nanos() + d.toNanos());
    }

    /** Moves time to the armed timer and fires it. */
    public void fireTimer() {
        if (!armed) {
            throw new AssertionError("no timer armed");
        }
        advanceTo(due);
    }

    /** Fires the timer callback now, whether or not anything is due (an early or stale firing). */
    public void fireEarly() {
        machine.onTimer();
    }
}
