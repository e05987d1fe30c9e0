package org.closepolicy.testkit;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;

/**
 * Runs N one-request connections with concurrency C against a server and verifies every response, the way
 * {@code ab -n N -c C} or {@code hey} would, but with body checks.
 *
 * <pre>{@code
 * RawHttpClient curl = RawHttpClient.builder(addr).path("/weather.xml").connectionClose(true).build();
 * LoadResult r = LoadRunner.builder(curl).requests(2_000).concurrency(50)
 *         .expectSha256(DeterministicBytes.sha256Hex(1_900)).build().run();
 * assertThat(r.errors()).isZero();
 * }</pre>
 *
 * <p>Each connection uses the client's close style ({@link RawHttpClient.CloseStyle#CURL_LIKE},
 * {@link RawHttpClient.CloseStyle#EOF_WAITING} or {@link RawHttpClient.CloseStyle#HALF_CLOSE_AFTER_REQUEST}).
 * The run ends at its deadline at the latest; requests not started by then count as errors.
 *
 * <p>Thread-safety: a built runner is immutable; {@link #run()} may be called repeatedly, from any thread.
 */
public final class LoadRunner {

    private static final long GRACE_NANOS = TimeUnit.SECONDS.toNanos(5);

    private final RawHttpClient client;
    private final int requests;
    private final int concurrency;
    private final Duration deadline;
    private final int expectStatus;
    private final String expectSha256;
    private final Predicate<HttpResult> verify;
    private final int maxErrorMessages;

    private LoadRunner(Builder b) {
        this.client = b.client;
        this.requests = b.requests;
        this.concurrency = b.concurrency;
        this.deadline = b.deadline;
        this.expectStatus = b.expectStatus;
        this.expectSha256 = b.expectSha256;
        this.verify = b.verify;
        this.maxErrorMessages = b.maxErrorMessages;
    }

    /** A builder running {@code client}'s request: 100 requests, concurrency 10, deadline 60 s, expect 200. */
    public static Builder builder(RawHttpClient client) {
        return new Builder(client);
    }

    /** Runs the load and waits for it (never longer than the deadline plus a few seconds). */
    public LoadResult run() {
        AtomicInteger next = new AtomicInteger();
        AtomicInteger ok = new AtomicInteger();
        AtomicInteger resets = new AtomicInteger();
        AtomicInteger serverClosed = new AtomicInteger();
        AtomicLong bytes = new AtomicLong();
        List<String> messages = new ArrayList<>();
        long t0 = System.nanoTime();
        long end = t0 + deadline.toNanos();
        AtomicInteger threadId = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(concurrency, r -> {
            Thread t = new Thread(r, "closepolicy-load-" + threadId.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        try {
            for (int w = 0; w < concurrency; w++) {
                pool.execute(() -> {
                    for (int i; System.nanoTime() - end < 0 && (i = next.getAndIncrement()) < requests; ) {
                        HttpResult r = client.send();
                        if (r.resetSeen()) {
                            resets.incrementAndGet();
                        }
                        if (r.serverClosed()) {
                            serverClosed.incrementAndGet();
                        }
                        String problem = check(r);
                        if (problem == null) {
                            ok.incrementAndGet();
                            bytes.addAndGet(r.bodyLength());
                        } else {
                            synchronized (messages) {
                                if (messages.size() < maxErrorMessages) {
                                    messages.add("#" + i + ": " + problem);
                                }
                            }
                        }
                    }
                });
            }
            pool.shutdown();
            long wait = end - System.nanoTime() + GRACE_NANOS;
            if (!pool.awaitTermination(Math.max(0, wait), TimeUnit.NANOSECONDS)) {
                pool.shutdownNow();
            }
        } catch (InterruptedException e) {
            pool.shutdownNow();
            Thread.currentThread().interrupt();
        }
        long elapsed = System.nanoTime() - t0;
        int done = ok.get();
        int started = Math.min(next.get(), requests);
        List<String> firstErrors;
        synchronized (messages) {
            firstErrors = new ArrayList<>(messages);
        }
        if (started < requests) { // a summary line, kept even when the list is full
            firstErrors.add((requests - started) + " requests not started before the deadline of " + deadline);
        }
        return new LoadResult(requests, done, requests - done, firstErrors, resets.get(), serverClosed.get(),
                bytes.get(), elapsed);
    }

    private String check(HttpResult r) {
        if (r.status() != expectStatus) {
            return "status " + r.status() + " (expected " + expectStatus + ")"
                    + (r.error() != null ? ", " + r.error() : "");
        }
        if (!r.complete()) {
            return "incomplete body: " + r.bodyLength() + " bytes"
                    + (r.error() != null ? ", " + r.error() : r.serverClosed() ? ", server closed early" : "");
        }
        if (expectSha256 != null && !expectSha256.equals(r.bodySha256())) {
            return "body sha256 mismatch (" + r.bodyLength() + " bytes)";
        }
        if (verify != null && !verify.test(r)) {
            return "verification failed: " + r;
        }
        return null;
    }

    /**
     * Configures a {@link LoadRunner}.
     *
     * <pre>{@code
     * LoadRunner runner = LoadRunner.builder(client).requests(500).concurrency(20)
     *         .verify(r -> r.headers().hasToken("Connection", "close")).build();
     * }</pre>
     *
     * <p>Thread-safety: not thread-safe; use from one thread, then call {@link #build()}.
     */
    public static final class Builder {
        private final RawHttpClient client;
        private int requests = 100;
        private int concurrency = 10;
        private Duration deadline = Duration.ofSeconds(60);
        private int expectStatus = 200;
        private String expectSha256;
        private Predicate<HttpResult> verify;
        private int maxErrorMessages = 5;

        private Builder(RawHttpClient client) {
            this.client = Objects.requireNonNull(client, "client");
            if (client.closeStyle() == RawHttpClient.CloseStyle.NEVER_CLOSE) {
                throw new IllegalArgumentException("a load run needs a client that ends its connections; got NEVER_CLOSE");
            }
        }

        /** Number of connections, one request each (default 100). */
        public Builder requests(int n) {
            if (n < 1) {
                throw new IllegalArgumentException("requests must be >= 1, got " + n);
            }
            this.requests = n;
            return this;
        }

        /** Connections in flight at once (default 10). */
        public Builder concurrency(int c) {
            if (c < 1 || c > 10_000) {
                throw new IllegalArgumentException("concurrency must be 1..10000, got " + c);
            }
            this.concurrency = c;
            return this;
        }

        /** Bound on the whole run (default 60 s). */
        public Builder deadline(Duration d) {
            Objects.requireNonNull(d, "deadline");
            if (d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException("deadline must be positive, got " + d);
            }
            this.deadline = d;
            return this;
        }

        /** Expected status (default 200). */
        public Builder expectStatus(int status) {
            this.expectStatus = status;
            return this;
        }

        /** Expected body SHA-256 (lower-case hex), for example {@link DeterministicBytes#sha256Hex(long)}. */
        public Builder expectSha256(String hex) {
            this.expectSha256 = Objects.requireNonNull(hex, "hex").toLowerCase(java.util.Locale.ROOT);
            return this;
        }

        /** An extra check on each result. */
        public Builder verify(Predicate<HttpResult> check) {
            this.verify = Objects.requireNonNull(check, "check");
            return this;
        }

        /** How many error messages to keep (default 5). */
        public Builder maxErrorMessages(int n) {
            if (n < 0) {
                throw new IllegalArgumentException("maxErrorMessages must be >= 0, got " + n);
            }
            this.maxErrorMessages = n;
            return this;
        }

        /** The runner. */
        public LoadRunner build() {
            return new LoadRunner(this);
        }
    }
}
