package org.closepolicy.netty;

import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import org.closepolicy.CloseEvent;
import org.closepolicy.CloseListener;

/** Collects close events of a test server. */
final class Events implements CloseListener {

    private final ConcurrentLinkedQueue<CloseEvent> events = new ConcurrentLinkedQueue<>();
    private final AtomicInteger count = new AtomicInteger();

    @Override
    public void onClose(CloseEvent event) {
        events.add(event);
        count.incrementAndGet();
    }

    int count() {
        return count.get();
    }

    List<CloseEvent> all() {
        return new ArrayList<>(events);
    }

    /** Waits until at least {@code n} connections have ended. */
    List<CloseEvent> awaitAtLeast(int n, Duration deadline) {
        await().atMost(deadline).pollInterval(Duration.ofMillis(10)).until(() -> count.get() >= n);
        return all();
    }

    CloseEvent awaitOne(Duration deadline) {
        return awaitAtLeast(1, deadline).get(0);
    }
}
