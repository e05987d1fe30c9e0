package org.closepolicy.kernel;

/**
 * Where an {@link AckWatcher} learns the send queues of its pending 4-tuples once per tick.
 *
 * <p>Thread-safety: used by the watcher thread only.
 */
interface SendQueueReader extends AutoCloseable {

    /**
     * Fills {@code out[i]} with the send queue of {@code keys[i]} for {@code i < n}, or
     * {@link SockDiagCodec#ABSENT} when the connection is not in the kernel's table, or
     * {@link SockDiagCodec#UNREAD_INPUT} when its send queue is empty but its receive queue is not.
     *
     * @return {@code false} when nothing can be known (the table is unreadable); {@code out} is then unused
     */
    boolean read(TupleKey[] keys, int n, long[] out);

    /** The path the last {@link #read} used. */
    AckPath path();

    /** Releases what the reader holds (a netlink socket); the default holds nothing. */
    @Override
    default void close() {
    }
}
