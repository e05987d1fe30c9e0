package org.closepolicy.kernel;

import java.time.Duration;
import java.util.Arrays;
import java.util.Collection;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Samples the kernel's TIME_WAIT load in the background, once per period, for load-adaptive close rules.
 *
 * <p>The first sample is taken by {@link Builder#build()}; a daemon thread then takes one per period
 * (default 1 s, at least 100 ms). Readers get the latest sample without any I/O:
 * <pre>{@code
 * try (TimeWaitSampler tw = TimeWaitSampler.builder().ports(8080, 8443).build()) {
 *     if (tw.supported() && tw.serverTimeWait() > 20_000) {
 *         // prefer client-first closes
 *     }
 * }
 * }</pre>
 *
 * <p>{@link #serverTimeWait()} counts TIME_WAIT rows whose local port is one of the configured ports (every
 * TIME_WAIT row when none are configured). Nothing here throws to callers: a failing or unsupported table
 * yields {@code supported() == false} and zero counts.
 *
 * <p>Thread-safety: all methods are safe from any thread; each sample is published atomically.
 */
public final class TimeWaitSampler implements AutoCloseable {

    /** The smallest allowed period. */
    public static final Duration MIN_PERIOD = Duration.ofMillis(100);

    private static final Logger LOG = LoggerFactory.getLogger(TimeWaitSampler.class);
    private static final long JOIN_TIMEOUT_MILLIS = 5_000;

    private final long periodNanos;
    private final LongSupplier nanoClock;
    private final Supplier<TcpSnapshot> source;
    private final boolean[] portMask;
    private final int[] ports;
    private final Thread thread;
    private final AtomicBoolean failureLogged = new AtomicBoolean();
    private volatile Sample latest;
    private volatile long samples;
    private volatile boolean closed;

    private TimeWaitSampler(Builder b) {
        this.periodNanos = b.period.toNanos();
        this.nanoClock = b.nanoClock;
        this.source = b.source;
        this.ports = b.ports.clone();
        if (ports.length == 0) {
            this.portMask = null;
        } else {
            this.portMask = new boolean[65536];
            for (int p : ports) {
                portMask[p] = true;
            }
        }
        sample();
        this.thread = new Thread(this::run, "closepolicy-time-wait-sampler");
        this.thread.setDaemon(true);
        this.thread.start();
    }

    /** A builder with period 1 s, no ports (all TIME_WAIT counts as server-side) and {@link TcpTable#system()}. */
    public static Builder builder() {
        return new Builder();
    }

    /** TIME_WAIT rows whose local port is a configured port (all TIME_WAIT rows if none), at the last sample. */
    public long serverTimeWait() {
        return latest.serverTimeWait;
    }

    /** All TIME_WAIT rows at the last sample. */
    public long totalTimeWait() {
        return latest.totalTimeWait;
    }

    /** Whether the last sample could read the table. */
    public boolean supported() {
        return latest.supported;
    }

    /** Time of the last sample, on the {@link Builder#nanoClock nanosecond clock}. */
    public long lastSampleNanos() {
        return latest.atNanos;
    }

    /** Number of samples taken so far (at least 1). */
    public long samples() {
        return samples;
    }

    /** The configured server ports, ascending (empty: all TIME_WAIT counts as server-side). */
    public int[] ports() {
        return ports.clone();
    }

    /** Stops the sampling thread (waits up to 5 s for it). The last sample stays readable. Idempotent. */
    @Override
    public void close() {
        closed = true;
        LockSupport.unpark(thread);
        if (Thread.currentThread() != thread) {
            try {
                thread.join(JOIN_TIMEOUT_MILLIS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private void run() {
        long next = System.nanoTime() + periodNanos;
        while (!closed) {
            long wait = next - System.nanoTime();
            if (wait > 0) {
                LockSupport.parkNanos(this, wait);
                Thread.interrupted();
                continue;
            }
            sample();
            next += periodNanos;
            long now = System.nanoTime();
            if (next - now < 0) {
                next = now + periodNanos; // fell behind: do not catch up with a burst of reads
            }
        }
    }

    private void sample() {
        Sample s;
        try {
            TcpSnapshot snap = source.get();
            long at = nanoClock.getAsLong();
            if (snap == null || !snap.supported()) {
                s = new Sample(false, 0, 0, at);
            } else {
                long total = snap.count(TcpState.TIME_WAIT);
                long server = portMask == null ? total : snap.countLocalPortsIn(TcpState.TIME_WAIT, portMask);
                s = new Sample(true, server, total, at);
            }
        } catch (RuntimeException e) {
            if (failureLogged.compareAndSet(false, true)) {
                LOG.warn("TIME_WAIT sampling failed; reporting unsupported", e);
            }
            s = new Sample(false, 0, 0, safeNanos());
        }
        latest = s;
        samples = samples + 1; // single writer: the constructor, then the sampling thread
    }

    private long safeNanos() {
        try {
            return nanoClock.getAsLong();
        } catch (RuntimeException e) {
            return System.nanoTime();
        }
    }

    @Override
    public String toString() {
        Sample s = latest;
        return s.supported
                ? "TimeWaitSampler[server=" + s.serverTimeWait + ", total=" + s.totalTimeWait
                        + ", ports=" + Arrays.toString(ports) + "]"
                : "TimeWaitSampler[unsupported]";
    }

    private record Sample(boolean supported, long serverTimeWait, long totalTimeWait, long atNanos) {
    }

    /**
     * Configures a {@link TimeWaitSampler}.
     *
     * <pre>{@code
     * TimeWaitSampler s = TimeWaitSampler.builder().period(Duration.ofMillis(500)).ports(8080).build();
     * }</pre>
     *
     * <p>Thread-safety: not thread-safe; use from one thread, then call {@link #build()}.
     */
    public static final class Builder {
        private Duration period = Duration.ofSeconds(1);
        private LongSupplier nanoClock = System::nanoTime;
        private Supplier<TcpSnapshot> source = () -> TcpTable.system().snapshot();
        private int[] ports = new int[0];

        private Builder() {
        }

        /** Time between samples; at least 100 ms (default 1 s). */
        public Builder period(Duration period) {
            Objects.requireNonNull(period, "period");
            if (period.compareTo(MIN_PERIOD) < 0) {
                throw new IllegalArgumentException("period must be >= " + MIN_PERIOD.toMillis() + " ms, got " + period);
            }
            this.period = period;
            return this;
        }

        /** The server's listening ports; TIME_WAIT with one of these as local port is server-side. */
        public Builder ports(int... ports) {
            int[] p = ports.clone();
            for (int port : p) {
                if (port < 0 || port > 65535) {
                    throw new IllegalArgumentException("port must be 0..65535, got " + port);
                }
            }
            this.ports = Arrays.stream(p).distinct().sorted().toArray();
            return this;
        }

        /** The server's listening ports, as a collection. */
        public Builder ports(Collection<Integer> ports) {
            return ports(ports.stream().mapToInt(Integer::intValue).toArray());
        }

        /**
         * Monotonic nanoseconds for {@link TimeWaitSampler#lastSampleNanos()} (default {@link System#nanoTime()}); tests pass a
         * clock they move, e.g. {@code now::get} of an {@code AtomicLong}.
         */
        public Builder nanoClock(LongSupplier nanoClock) {
            this.nanoClock = Objects.requireNonNull(nanoClock, "nanoClock");
            return this;
        }

        /** Where snapshots come from (default {@code TcpTable.system()::snapshot}). */
        public Builder source(Supplier<TcpSnapshot> source) {
            this.source = Objects.requireNonNull(source, "source");
            return this;
        }

        /** Takes the first sample, starts the sampling thread and returns the sampler. */
        public TimeWaitSampler build() {
            return new TimeWaitSampler(this);
        }
    }
}
