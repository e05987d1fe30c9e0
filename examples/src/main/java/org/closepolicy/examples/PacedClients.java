package org.closepolicy.examples;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * What every client family of the deploy demo shares: its threads, the flag that stops them, its counts, and the
 * application's pause between two requests.
 *
 * <p>Thread-safety: thread-safe; {@link #startThreads} once, {@link #stop} once.
 */
abstract class PacedClients implements DeployClients {

    final DeployFailures failures = new DeployFailures();
    private final Duration thinkMax;
    private final List<Thread> threads = new ArrayList<>();
    private volatile boolean running = true;

    PacedClients(Duration thinkMax) {
        this.thinkMax = thinkMax;
    }

    /** Runs {@link #requestOnce()} then the pause in a loop on {@code count} daemon threads named {@code name-i}. */
    final void startThreads(String name, int count) {
        for (int i = 0; i < count; i++) {
            Thread t = new Thread(this::loop, name + "-" + i);
            t.setDaemon(true);
            threads.add(t);
            t.start();
        }
    }

    /** One request and its response, counted in {@link #failures}. */
    abstract void requestOnce() throws InterruptedException;

    /** Called once every thread has ended (or the stop's timeout passed). */
    void afterStop() {
    }

    final boolean running() {
        return running;
    }

    @Override
    public final DeployFailures.Counts counts() {
        return failures.snapshot();
    }

    @Override
    public final DeployFailures.Counts stop(Duration timeout) throws InterruptedException {
        running = false;
        long deadline = System.nanoTime() + timeout.toNanos();
        for (Thread t : threads) {
            t.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
        }
        afterStop();
        return failures.snapshot();
    }

    private void loop() {
        try {
            while (running) {
                requestOnce();
                if (!thinkMax.isZero() && running) {
                    // The application's pause between requests: it is what lets pooled connections sit idle.
                    Thread.sleep(ThreadLocalRandom.current().nextLong(thinkMax.toMillis() + 1));
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
