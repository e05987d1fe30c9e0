package org.closepolicy.kernel;

/**
 * Receives the outcome of an {@link AckWatcher} watch, exactly once.
 *
 * <p>The callback runs on the watcher's own thread, which serves every pending watch of the process: do not
 * block in it and do not touch connection state directly; hop to the connection's own thread instead:
 * <pre>{@code
 * AckCallback cb = (result, pendingBytes) -> channel.eventLoop().execute(() -> finishClose(result));
 * }</pre>
 *
 * <p>Thread-safety: invoked from the watcher thread (or, for {@link AckResult#CLOSED} after the watcher is
 * closed, from the thread that registered the watch); implementations must publish their effects safely.
 */
@FunctionalInterface
public interface AckCallback {

    /**
     * Called once when the watch settles.
     *
     * @param result       how the watch ended
     * @param pendingBytes bytes still in the send queue: 0 for {@link AckResult#ACKED} and
     *                     {@link AckResult#PEER_DATA_WAITING}, the last seen value for
     *                     {@link AckResult#TIMEOUT} and {@link AckResult#CLOSED}, -1 when unknown
     */
    void onSettled(AckResult result, long pendingBytes);
}
