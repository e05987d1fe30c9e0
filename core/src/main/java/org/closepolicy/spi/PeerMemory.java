package org.closepolicy.spi;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.ReentrantLock;
import org.closepolicy.PeerHabit;
import org.closepolicy.Ticker;

/**
 * What the server learned per peer address about HTTP/1.0 exchanges that end the connection with a
 * length-delimited response: does the peer close first (nginx's default proxy), or wait for the server's FIN
 * (ApacheBench)? One memory per adapter runtime, shared by all its connections; the connection record reads it
 * ({@link ConnectionRecord#peerHabit()}) and the close state machine reports every outcome.
 *
 * <pre>{@code
 * PeerMemory peers = new PeerMemory(ticker);                       // 4,096 addresses, forgotten after 1 min
 * ConnectionRecord rec = new ConnectionRecord(Protocol.HTTP1, remote, local, now, load, peers);
 * peers.habit(remote.getAddress());                                 // UNKNOWN, then what the outcomes taught
 * }</pre>
 *
 * <p>Bounded: at most {@link #capacity()} addresses, the least recently used dropped first (within each of 16
 * stripes, so an address in use survives a flood of newcomers once the capacity is 32 or more); an entry expires
 * {@link #expiry()} after it was last confirmed, so a peer that waits for EOF is probed again once per expiry
 * (a peer that closes first confirms itself with every connection). Time comes from the {@link Ticker}.
 *
 * <p>Thread-safety: thread-safe. The addresses are spread over 16 independently locked stripes, each lock held
 * for one map operation; counters are {@link LongAdder}s.
 */
public final class PeerMemory {

    /** Default number of addresses remembered. */
    public static final int DEFAULT_CAPACITY = 4096;
    /** Default time after which an address is forgotten unless confirmed again. */
    public static final Duration DEFAULT_EXPIRY = Duration.ofMinutes(1);

    private static final int STRIPES = 16;

    private final Ticker ticker;
    private final int capacity;
    private final Duration expiry;
    private final long expiryNanos;
    private final Stripe[] stripes = new Stripe[STRIPES];

    private final LongAdder probeClosedFirst = new LongAdder();
    private final LongAdder probeWaitedForEof = new LongAdder();
    private final LongAdder knownClosedFirst = new LongAdder();
    private final LongAdder knownWaitedForEof = new LongAdder();
    private final LongAdder evicted = new LongAdder();
    private final LongAdder expired = new LongAdder();

    /** A memory with {@link #DEFAULT_CAPACITY} and {@link #DEFAULT_EXPIRY}. */
    public PeerMemory(Ticker ticker) {
        this(ticker, DEFAULT_CAPACITY, DEFAULT_EXPIRY);
    }

    /**
     * A memory of at most {@code capacity} addresses (at least 16; rounded down to a multiple of 16), each
     * forgotten {@code expiry} after it was last confirmed.
     */
    public PeerMemory(Ticker ticker, int capacity, Duration expiry) {
        this.ticker = Objects.requireNonNull(ticker, "ticker");
        if (capacity < STRIPES) {
            throw new IllegalArgumentException("invalid peer memory capacity " + capacity + ": at least " + STRIPES);
        }
        Objects.requireNonNull(expiry, "expiry");
        if (expiry.isNegative() || expiry.isZero()) {
            throw new IllegalArgumentException("invalid peer memory expiry " + expiry + ": a positive duration");
        }
        int perStripe = capacity / STRIPES;
        this.capacity = perStripe * STRIPES;
        this.expiry = expiry;
        this.expiryNanos = expiry.toNanos();
        for (int i = 0; i < STRIPES; i++) {
            stripes[i] = new Stripe(perStripe);
        }
    }

    /** The most addresses remembered at once. */
    public int capacity() {
        return capacity;
    }

    /** How long an address is remembered after it was last confirmed. */
    public Duration expiry() {
        return expiry;
    }

    /** What is known about this peer address ({@link PeerHabit#UNKNOWN} for null, unknown or expired). */
    public PeerHabit habit(InetAddress address) {
        if (address == null) {
            return PeerHabit.UNKNOWN;
        }
        long now = ticker.nanos();
        Stripe s = stripe(address);
        s.lock.lock();
        try {
            Entry e = s.map.get(address);
            if (e == null) {
                return PeerHabit.UNKNOWN;
            }
            if (now - e.expiresAt >= 0) {
                s.map.remove(address);
                expired.increment();
                return PeerHabit.UNKNOWN;
            }
            return e.habit;
        } finally {
            s.lock.unlock();
        }
    }

    /** As {@link #habit(InetAddress)} for a socket address (the port does not count). */
    public PeerHabit habit(InetSocketAddress address) {
        return address == null ? PeerHabit.UNKNOWN : habit(address.getAddress());
    }

    /**
     * The peer closed first after a length-delimited HTTP/1.0 response.
     *
     * @param probed whether the server was probing (the peer's habit was unknown)
     */
    public void closedFirst(InetAddress address, boolean probed) {
        (probed ? probeClosedFirst : knownClosedFirst).increment();
        learn(address, PeerHabit.CLOSES_FIRST);
    }

    /**
     * The peer did not close within the wait after a length-delimited HTTP/1.0 response: it reads to EOF.
     *
     * @param probed whether the server was probing (the peer's habit was unknown)
     */
    public void waitedForEof(InetAddress address, boolean probed) {
        (probed ? probeWaitedForEof : knownWaitedForEof).increment();
        learn(address, PeerHabit.WAITS_FOR_EOF);
    }

    private void learn(InetAddress address, PeerHabit habit) {
        if (address == null) {
            return;
        }
        long expiresAt = ticker.nanos() + expiryNanos;
        Stripe s = stripe(address);
        s.lock.lock();
        try {
            Entry e = s.map.get(address);
            if (e == null) {
                s.map.put(address, new Entry(habit, expiresAt));
            } else {
                e.habit = habit;
                e.expiresAt = expiresAt;
            }
        } finally {
            s.lock.unlock();
        }
    }

    /** Addresses remembered now (expired ones included until they are looked up or evicted). */
    public int size() {
        int n = 0;
        for (Stripe s : stripes) {
            s.lock.lock();
            try {
                n += s.map.size();
            } finally {
                s.lock.unlock();
            }
        }
        return n;
    }

    /** Remembered addresses with this habit that have not expired. */
    public int count(PeerHabit habit) {
        long now = ticker.nanos();
        int n = 0;
        for (Stripe s : stripes) {
            s.lock.lock();
            try {
                for (Entry e : s.map.values()) {
                    if (e.habit == habit && now - e.expiresAt < 0) {
                        n++;
                    }
                }
            } finally {
                s.lock.unlock();
            }
        }
        return n;
    }

    /** Probes of unknown peers that ended with the peer's FIN. */
    public long probesClosedFirst() {
        return probeClosedFirst.sum();
    }

    /** Probes of unknown peers that ran out: the peer waited for EOF and got a FIN. */
    public long probesWaitedForEof() {
        return probeWaitedForEof.sum();
    }

    /** Addresses dropped because the memory was full. */
    public long evicted() {
        return evicted.sum();
    }

    /**
     * The memory as one JSON object: {@code known} addresses, {@code closers} and {@code eofWaiters} among them,
     * {@code probes} of unknown peers and their outcomes, outcomes for peers already known (a known closer that
     * waited is relearned at once), {@code evicted} and {@code expired} addresses.
     */
    public String toJson() {
        long pc = probeClosedFirst.sum();
        long pw = probeWaitedForEof.sum();
        return "{\"known\":" + size() + ",\"closers\":" + count(PeerHabit.CLOSES_FIRST)
                + ",\"eofWaiters\":" + count(PeerHabit.WAITS_FOR_EOF) + ",\"probes\":" + (pc + pw)
                + ",\"probeClosedFirst\":" + pc + ",\"probeWaitedForEof\":" + pw
                + ",\"knownClosedFirst\":" + knownClosedFirst.sum() + ",\"knownWaitedForEof\":" + knownWaitedForEof.sum()
                + ",\"evicted\":" + evicted.sum() + ",\"expired\":" + expired.sum() + ",\"capacity\":" + capacity + "}";
    }

    @Override
    public String toString() {
        return "PeerMemory" + toJson();
    }

    private Stripe stripe(InetAddress a) {
        int h = a.hashCode();
        h ^= h >>> 16;
        h *= 0x45d9f3b;
        h ^= h >>> 16;
        return stripes[h & (STRIPES - 1)];
    }

    private static final class Entry {
        PeerHabit habit;
        long expiresAt;

        Entry(PeerHabit habit, long expiresAt) {
            this.habit = habit;
            this.expiresAt = expiresAt;
        }
    }

    private final class Stripe {
        final ReentrantLock lock = new ReentrantLock();
        final LinkedHashMap<InetAddress, Entry> map;

        Stripe(int max) {
            this.map = new LinkedHashMap<>(Math.min(max, 64) * 2, 0.75f, true) {
                @Override
                protected boolean removeEldestEntry(Map.Entry<InetAddress, Entry> eldest) {
                    if (size() > max) {
                        evicted.increment();
                        return true;
                    }
                    return false;
                }
            };
        }
    }
}
