package org.closepolicy.reliability;

import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import org.closepolicy.CloseEvent;
import org.closepolicy.CloseListener;

/** Keeps every close event of one test server (the adapters' stats keep only counters). */
final class CloseRecorder implements CloseListener {

    private final ConcurrentLinkedQueue<CloseEvent> events = new ConcurrentLinkedQueue<>();
    private final AtomicInteger count = new AtomicInteger();
    private final boolean keep;

    /** @param keep whether to keep the events themselves (off for soak runs, where only counters matter) */
    CloseRecorder(boolean keep) {
        this.keep = keep;
    }

    @Override
    public void onClose(CloseEvent event) {
        if (keep) {
            events.add(event);
        }
        count.incrementAndGet();
    }

    /** Forgets the events so far (after a warm-up exchange). */
    void clear() {
        events.clear();
        count.set(0);
    }

    int count() {
        return count.get();
    }

    List<CloseEvent> all() {
        return new ArrayList<>(events);
    }

    /** Waits until at least {@code n} connections have ended; returns the kept events. */
    List<CloseEvent> awaitAtLeast(int n, Duration deadline) {
        await("" + n + " close events").atMost(deadline).pollInterval(Duration.ofMillis(10)).until(() -> count.get() >= n);
        return all();
    }

    /** The longest close (retirement to closed) among the kept events, zero if none. */
    Duration maxCloseDuration() {
        return events.stream().map(CloseEvent::closeDuration).max(Comparator.naturalOrder()).orElse(Duration.ZERO);
    }

    /** The longest lifetime (accept to closed) among the kept events, zero if none. */
    Duration maxLifetime() {
        return events.stream().map(CloseEvent::lifetime).max(Comparator.naturalOrder()).orElse(Duration.ZERO);
    }
}
