package org.closepolicy.spi;

import java.util.ArrayList;
import java.util.List;

/**
 * The open connections of a server by id, for the {@link ConnectionRegistry}: a map from a {@code long} id to
 * the connection that costs one reference per connection (open addressing in a few striped tables, each slot
 * holding the connection, whose {@link DrainableConnection#id()} is its key), where a
 * {@code ConcurrentHashMap<Long, ...>} costs a node and a boxed id besides (56 B more per connection).
 * Each stripe is guarded by its own lock; a connection opens and closes on its own thread, so stripes keep
 * the threads of different connections apart.
 * <pre>{@code
 * LiveConnections live = new LiveConnections();
 * live.put(c.id(), c);
 * live.remove(event.connectionId());
 * for (DrainableConnection c : live.snapshot()) { ... }
 * }</pre>
 *
 * <p>Thread-safety: thread-safe.
 */
final class LiveConnections {

    private static final int STRIPES = 16; // a power of two
    private static final int INITIAL_CAPACITY = 16; // per stripe, a power of two

    private final Stripe[] stripes = new Stripe[STRIPES];

    LiveConnections() {
        for (int i = 0; i < STRIPES; i++) {
            stripes[i] = new Stripe();
        }
    }

    /** Spreads consecutive ids over the stripes and the slots (a 64-bit mix). */
    private static long mix(long id) {
        long h = id * 0x9E3779B97F4A7C15L;
        return h ^ (h >>> 32);
    }

    private Stripe stripe(long h) {
        return stripes[(int) (h >>> 60) & (STRIPES - 1)];
    }

    /** Adds (or replaces) the connection with this id. */
    void put(long id, DrainableConnection c) {
        long h = mix(id);
        Stripe s = stripe(h);
        synchronized (s) {
            s.put(id, (int) h, c);
        }
    }

    /** The connection with this id, or null. */
    DrainableConnection get(long id) {
        long h = mix(id);
        Stripe s = stripe(h);
        synchronized (s) {
            return s.get(id, (int) h);
        }
    }

    /** Removes the connection with this id; the one removed, or null. */
    DrainableConnection remove(long id) {
        long h = mix(id);
        Stripe s = stripe(h);
        synchronized (s) {
            return s.remove(id, (int) h);
        }
    }

    /** How many connections are in the map. */
    int size() {
        int n = 0;
        for (Stripe s : stripes) {
            synchronized (s) {
                n += s.size;
            }
        }
        return n;
    }

    /** The connections in the map now (each stripe as of its own moment). */
    List<DrainableConnection> snapshot() {
        List<DrainableConnection> all = new ArrayList<>();
        for (Stripe s : stripes) {
            synchronized (s) {
                for (DrainableConnection c : s.values) {
                    if (c != null) {
                        all.add(c);
                    }
                }
            }
        }
        return all;
    }

    /**
     * One table with linear probing; a slot is free when it is null, and a connection's key is its id (which never
     * changes). Guarded by its own lock.
     */
    private static final class Stripe {
        DrainableConnection[] values = new DrainableConnection[INITIAL_CAPACITY];
        int size;

        void put(long id, int h, DrainableConnection c) {
            if ((size + 1) * 4 > values.length * 3) {
                grow();
            }
            int mask = values.length - 1;
            int i = h & mask;
            while (values[i] != null) {
                if (values[i].id() == id) {
                    values[i] = c;
                    return;
                }
                i = (i + 1) & mask;
            }
            values[i] = c;
            size++;
        }

        DrainableConnection get(long id, int h) {
            int mask = values.length - 1;
            for (int i = h & mask; values[i] != null; i = (i + 1) & mask) {
                if (values[i].id() == id) {
                    return values[i];
                }
            }
            return null;
        }

        DrainableConnection remove(long id, int h) {
            int mask = values.length - 1;
            int i = h & mask;
            while (values[i] != null && values[i].id() != id) {
                i = (i + 1) & mask;
            }
            DrainableConnection removed = values[i];
            if (removed == null) {
                return null;
            }
            // Backward shift: move each later entry of the probe run into the gap when its home slot allows it,
            // so that lookups never meet a hole inside a run (no tombstones).
            int gap = i;
            for (int j = (gap + 1) & mask; values[j] != null; j = (j + 1) & mask) {
                int home = (int) mix(values[j].id()) & mask;
                boolean stays = gap <= j ? gap < home && home <= j : gap < home || home <= j;
                if (!stays) {
                    values[gap] = values[j];
                    gap = j;
                }
            }
            values[gap] = null;
            size--;
            return removed;
        }

        private void grow() {
            DrainableConnection[] oldValues = values;
            values = new DrainableConnection[oldValues.length * 2];
            size = 0;
            for (DrainableConnection c : oldValues) {
                if (c != null) {
                    put(c.id(), (int) mix(c.id()), c);
                }
            }
        }
    }
}
