package org.closepolicy.kernel;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Objects;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tells, for many connections at once, when the peer has acknowledged every byte sent (send queue 0), so
 * that an abortive close (RST) loses nothing.
 *
 * <p>One watcher thread reads the send queues of all pending 4-tuples once per tick, only while at least one
 * watch is pending, and settles every pending watch from that one read. Where JNA
 * ({@code net.java.dev.jna:jna}, optional) is on the class path and the kernel answers, the read is one exact
 * {@link SockDiag sock_diag} netlink query per pending 4-tuple, whose cost does not grow with the host's socket
 * count; otherwise, and for any tick where netlink fails, it is one read of {@code /proc/net/tcp{,6}}
 * ({@link TcpTable}), which costs milliseconds per ten thousand sockets. The results mean the same on both
 * paths:
 * <ul>
 *   <li>send queue 0 and receive queue 0 &rarr; {@link AckResult#ACKED} (pending bytes 0);</li>
 *   <li>send queue 0 with unread bytes in the receive queue ({@code idiag_rqueue}, {@code rx_queue}) &rarr;
 *       {@link AckResult#PEER_DATA_WAITING} (pending bytes 0): the peer sent something the application has not
 *       read, which an RST would throw away;</li>
 *   <li>4-tuple absent &rarr; {@link AckResult#GONE} (the connection is already closed; pending bytes -1): for
 *       sock_diag, the kernel's exact lookup found no such socket; for the table, two reads in a row lack the
 *       row (see below);</li>
 *   <li>deadline passed &rarr; {@link AckResult#TIMEOUT} (pending bytes = last send queue seen);</li>
 *   <li>table unreadable &rarr; {@link AckResult#UNSUPPORTED} at once (pending bytes -1).</li>
 * </ul>
 * The table is checked before the deadline, so every watch gets at least one look at the table, even with a
 * zero timeout. When idle the thread parks and reads nothing.
 *
 * <p>Why two table reads before GONE: the kernel renders {@code /proc/net/tcp} a page (about 4 KB) per
 * {@code read()}, and each page resumes at an offset inside a hash bucket, so while connections come and go one
 * read of a busy table repeats some rows and skips others. A tick whose read lacks a pending 4-tuple reads the
 * table once more at once; a row present in either read wins, and only a 4-tuple missing from both settles as
 * GONE. Rows one read repeats count once, with the larger send queue (a smaller one is never taken as proof).
 * A GONE watch closes with a FIN, which is safe, but a skipped row of a connection that was about to be
 * acknowledged would have cost the server a TIME_WAIT that an RST avoids.
 * <pre>{@code
 * AckWatcher.Watch w = AckWatcher.shared().watch(localAddr, remoteAddr, Duration.ofSeconds(1),
 *         (result, pending) -> eventLoop.execute(() -> {
 *             if (result == AckResult.ACKED) transport.reset(); else transport.closeGracefully();
 *         }));
 * // if the peer's FIN arrives first:
 * w.cancel();
 * }</pre>
 *
 * <p>Callbacks run on the watcher thread: they must be short and hop to their own thread for any work. A
 * callback that throws is logged (once per watcher, then at debug level) and counted in
 * {@link #callbackFailures()}; the thread carries on. Deadlines use the injected {@link Builder#nanoClock nanosecond clock}; the pace of
 * table reads (the tick) uses the real clock.
 *
 * <p>{@link #close()} stops the thread and settles every pending watch with {@link AckResult#CLOSED} on the
 * watcher thread; a watch registered after close settles with {@link AckResult#CLOSED} at once on the
 * calling thread.
 *
 * <p>Thread-safety: all methods are safe from any thread.
 */
public final class AckWatcher implements AutoCloseable {

    /** The smallest allowed tick between table reads. */
    public static final Duration MIN_TICK = Duration.ofMillis(10);

    /** Name of the watcher thread. */
    public static final String THREAD_NAME = "closepolicy-ack-watcher";

    private static final Logger LOG = LoggerFactory.getLogger(AckWatcher.class);
    private static final long JOIN_TIMEOUT_MILLIS = 5_000;
    private static final Object SHARED_LOCK = new Object();
    private static volatile AckWatcher shared;

    private final long tickNanos;
    private final LongSupplier nanoClock;
    private final Supplier<SendQueueReader> readerFactory;
    private final Thread thread;
    private final ConcurrentLinkedQueue<Watch> inbox = new ConcurrentLinkedQueue<>();
    private final ArrayList<Watch> active = new ArrayList<>(); // watcher thread only
    private final AtomicLong scans = new AtomicLong();
    private final AtomicInteger pending = new AtomicInteger();
    private final AtomicLong callbackFailures = new AtomicLong();
    private final AtomicBoolean callbackFailureLogged = new AtomicBoolean();
    private volatile boolean closed;
    /** The thread parks with nothing to watch: only then does a new watch need to wake it. */
    private volatile boolean idle;
    private volatile AckPath path;
    private SendQueueReader reader; // watcher thread only
    private TupleKey[] keys = new TupleKey[16]; // watcher thread only
    private long[] queues = new long[16]; // watcher thread only

    private AckWatcher(Builder b) {
        this.tickNanos = b.tick.toNanos();
        this.nanoClock = b.nanoClock;
        this.readerFactory = b.readerFactory;
        this.thread = new Thread(this::run, THREAD_NAME);
        this.thread.setDaemon(true);
        this.thread.start();
    }

    /**
     * The process-wide watcher over the system's TCP sockets (sock_diag when available, else
     * {@link TcpTable#system()}) with a 10 ms tick, started on first use. If it has been closed, the next call
     * starts a fresh one.
     */
    public static AckWatcher shared() {
        AckWatcher w = shared;
        if (w != null && !w.closed) {
            return w;
        }
        synchronized (SHARED_LOCK) {
            w = shared;
            if (w == null || w.closed) {
                w = builder().build();
                shared = w;
            }
            return w;
        }
    }

    /**
     * A builder with tick 10 ms, the system ticker and the system's sockets as source: sock_diag netlink when
     * available (JNA on the class path, Linux), else {@link TcpTable#system()}. The system property
     * {@code org.closepolicy.kernel.ackPath=proc} forces the table.
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Watches one connection until its send queue is empty, it leaves the table, or {@code timeout} passes.
     *
     * @param local    the connection's local address (as the server's socket reports it)
     * @param remote   the connection's remote address
     * @param timeout  how long to wait for the acknowledgement; zero means a single look at the table
     * @param callback receives the result exactly once, on the watcher thread, unless cancelled first
     * @return a handle to cancel the watch
     * @throws IllegalArgumentException if an address has no address bytes (an unresolved host name) or the
     *                                  timeout is negative
     */
    public Watch watch(InetSocketAddress local, InetSocketAddress remote, Duration timeout, AckCallback callback) {
        Objects.requireNonNull(local, "local");
        Objects.requireNonNull(remote, "remote");
        Objects.requireNonNull(timeout, "timeout");
        Objects.requireNonNull(callback, "callback");
        if (timeout.isNegative()) {
            throw new IllegalArgumentException("timeout must not be negative, got " + timeout);
        }
        TupleKey key = TupleKey.of(local, remote);
        if (key == null) {
            throw new IllegalArgumentException("addresses must carry address bytes: " + local + " -> " + remote);
        }
        Watch w = new Watch(this, local, remote, key, callback, nanoClock.getAsLong(), saturatedNanos(timeout));
        pending.incrementAndGet();
        if (closed) {
            settle(w, AckResult.CLOSED, -1);
            return w;
        }
        inbox.add(w);
        if (idle) {
            LockSupport.unpark(thread); // while it ticks, the next tick takes the watch: no wake-up per watch
        }
        if (closed) {
            // Raced with close(): the thread may have finished its last drain already. Settling is idempotent.
            settle(w, AckResult.CLOSED, -1);
        }
        return w;
    }

    /** Number of ticks that read send queues (one table read or one round of sock_diag queries) so far. */
    public long scans() {
        return scans.get();
    }

    /** Number of watches neither settled nor cancelled. */
    public int pending() {
        return pending.get();
    }

    /** Number of callbacks that threw. */
    public long callbackFailures() {
        return callbackFailures.get();
    }

    /** The pause between table reads while watches are pending. */
    public Duration tick() {
        return Duration.ofNanos(tickNanos);
    }

    /** Whether {@link #close()} was called. */
    public boolean isClosed() {
        return closed;
    }

    /**
     * Stops the watcher thread; pending watches settle with {@link AckResult#CLOSED}. Waits up to 5 s for the
     * thread to finish (not when called from a callback). Idempotent.
     */
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

    /** The path the last tick used; {@code null} before the first tick. */
    AckPath path() {
        return path;
    }

    private void run() {
        long lastScan = System.nanoTime() - tickNanos;
        try {
            reader = createReader();
            while (!closed) {
                drainInbox();
                if (active.isEmpty()) {
                    idle = true;
                    if (inbox.isEmpty() && !closed) { // looked again after saying so: a watch added since sees it and wakes us
                        LockSupport.park(this);
                    }
                    idle = false;
                    Thread.interrupted(); // an interrupt must not turn the idle park into a spin
                    continue;
                }
                long wait = lastScan + tickNanos - System.nanoTime();
                if (wait > 0) {
                    LockSupport.parkNanos(this, wait);
                    Thread.interrupted();
                    continue;
                }
                lastScan = System.nanoTime();
                scanOnce();
            }
        } finally {
            drainInbox();
            for (Watch w : active) {
                settle(w, AckResult.CLOSED, w.lastSeen);
            }
            active.clear();
            if (reader != null) {
                reader.close();
            }
        }
    }

    private SendQueueReader createReader() {
        try {
            return Objects.requireNonNull(readerFactory.get(), "send queue reader");
        } catch (RuntimeException | LinkageError e) {
            LOG.warn("Choosing how to read send queues failed; ack checks read /proc/net/tcp", e);
            return TableSendQueues.system();
        }
    }

    private void drainInbox() {
        for (Watch w; (w = inbox.poll()) != null; ) {
            active.add(w);
        }
        active.removeIf(Watch::isDone);
    }

    private void scanOnce() {
        int n = 0;
        for (int i = 0, size = active.size(); i < size; i++) {
            Watch w = active.get(i);
            if (!w.isDone()) {
                active.set(n++, w);
            }
        }
        active.subList(n, active.size()).clear();
        if (keys.length < n) {
            int cap = Math.max(n, keys.length * 2);
            keys = new TupleKey[cap];
            queues = new long[cap];
        }
        for (int i = 0; i < n; i++) {
            keys[i] = active.get(i).key;
        }
        boolean known = reader.read(keys, n, queues);
        Arrays.fill(keys, 0, n, null);
        path = reader.path();
        scans.incrementAndGet();
        if (!known) {
            for (Watch w : active) {
                settle(w, AckResult.UNSUPPORTED, -1);
            }
            active.clear();
            return;
        }
        long now = nanoClock.getAsLong();
        int keep = 0;
        for (int i = 0; i < n; i++) {
            Watch w = active.get(i);
            if (w.isDone()) {
                continue;
            }
            long tx = queues[i];
            if (tx == SockDiagCodec.UNREAD_INPUT) {
                settle(w, AckResult.PEER_DATA_WAITING, 0);
                continue;
            }
            if (tx < 0) {
                settle(w, AckResult.GONE, -1);
                continue;
            }
            if (tx == 0) {
                settle(w, AckResult.ACKED, 0);
                continue;
            }
            w.lastSeen = tx;
            if (now - w.startNanos >= w.timeoutNanos) {
                settle(w, AckResult.TIMEOUT, tx);
                continue;
            }
            active.set(keep++, w);
        }
        active.subList(keep, active.size()).clear();
    }

    /** {@code d} in nanoseconds, saturated: a timeout of centuries stays "never" instead of overflowing. */
    static long saturatedNanos(Duration d) {
        try {
            return d.toNanos();
        } catch (ArithmeticException e) {
            return Long.MAX_VALUE;
        }
    }

    private void settle(Watch w, AckResult result, long pendingBytes) {
        if (!w.state.compareAndSet(Watch.PENDING, Watch.SETTLED)) {
            return;
        }
        pending.decrementAndGet();
        try {
            w.callback.onSettled(result, pendingBytes);
        } catch (Throwable t) {
            callbackFailures.incrementAndGet();
            if (callbackFailureLogged.compareAndSet(false, true)) {
                LOG.warn("AckCallback threw for {}; further failures are logged at debug level", w, t);
            } else {
                LOG.debug("AckCallback threw for {}", w, t);
            }
        }
    }

    /**
     * One pending acknowledgement check, returned by {@link AckWatcher#watch}.
     *
     * <pre>{@code
     * AckWatcher.Watch w = watcher.watch(local, remote, Duration.ofSeconds(1), callback);
     * if (w.cancel()) { // the callback will not run
     * }
     * }</pre>
     *
     * <p>Thread-safety: safe from any thread.
     */
    public static final class Watch {
        static final int PENDING = 0;
        static final int SETTLED = 1;
        static final int CANCELLED = 2;

        private final AckWatcher owner;
        private final InetSocketAddress local;
        private final InetSocketAddress remote;
        final TupleKey key;
        final AckCallback callback;
        final long startNanos;
        final long timeoutNanos;
        final AtomicInteger state = new AtomicInteger(PENDING);
        volatile long lastSeen = -1;

        Watch(AckWatcher owner, InetSocketAddress local, InetSocketAddress remote, TupleKey key,
              AckCallback callback, long startNanos, long timeoutNanos) {
            this.owner = owner;
            this.local = local;
            this.remote = remote;
            this.key = key;
            this.callback = callback;
            this.startNanos = startNanos;
            this.timeoutNanos = timeoutNanos;
        }

        /**
         * Cancels the watch.
         *
         * @return {@code true} if the watch was pending and its callback will never run; {@code false} if it
         *         had already settled (its callback has run or is running) or was cancelled before
         */
        public boolean cancel() {
            if (state.compareAndSet(PENDING, CANCELLED)) {
                owner.pending.decrementAndGet();
                return true;
            }
            return false;
        }

        /** Whether the watch has settled or was cancelled. */
        public boolean isDone() {
            return state.get() != PENDING;
        }

        /** The watched connection's local address. */
        public InetSocketAddress local() {
            return local;
        }

        /** The watched connection's remote address. */
        public InetSocketAddress remote() {
            return remote;
        }

        @Override
        public String toString() {
            return "Watch[" + local + " -> " + remote + "]";
        }
    }

    /**
     * Configures an {@link AckWatcher}.
     *
     * <pre>{@code
     * AckWatcher w = AckWatcher.builder().tick(Duration.ofMillis(20)).build();
     * }</pre>
     *
     * <p>Thread-safety: not thread-safe; use from one thread, then call {@link #build()}.
     */
    public static final class Builder {
        private Duration tick = MIN_TICK;
        private LongSupplier nanoClock = System::nanoTime;
        private Supplier<SendQueueReader> readerFactory = SockDiagSendQueues::system;

        private Builder() {
        }

        /** Pause between table reads while watches are pending; at least 10 ms (default 10 ms). */
        public Builder tick(Duration tick) {
            Objects.requireNonNull(tick, "tick");
            if (tick.compareTo(MIN_TICK) < 0) {
                throw new IllegalArgumentException("tick must be >= " + MIN_TICK.toMillis() + " ms, got " + tick);
            }
            this.tick = tick;
            return this;
        }

        /**
         * Monotonic nanoseconds for watch deadlines (default {@link System#nanoTime()}); tests pass a
         * clock they move, e.g. {@code now::get} of an {@code AtomicLong}.
         */
        public Builder nanoClock(LongSupplier nanoClock) {
            this.nanoClock = Objects.requireNonNull(nanoClock, "nanoClock");
            return this;
        }

        /**
         * Reads send queues from snapshots of this source instead of the system's sockets (by default sock_diag
         * when available, else {@code TcpTable.system()::snapshot}). A supplier that throws or returns
         * {@code null} counts as an unsupported table.
         */
        public Builder source(Supplier<TcpSnapshot> source) {
            Objects.requireNonNull(source, "source");
            this.readerFactory = () -> new TableSendQueues(source, AckPath.CUSTOM_SOURCE);
            return this;
        }

        /** Reads send queues with readers from this factory, called once on the watcher thread. */
        Builder reader(Supplier<SendQueueReader> readerFactory) {
            this.readerFactory = Objects.requireNonNull(readerFactory, "readerFactory");
            return this;
        }

        /** Starts the watcher thread and returns the watcher. */
        public AckWatcher build() {
            return new AckWatcher(this);
        }
    }
}
