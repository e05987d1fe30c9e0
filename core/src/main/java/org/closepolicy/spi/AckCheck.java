package org.closepolicy.spi;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.time.Duration;
import org.closepolicy.kernel.AckResult;
import org.closepolicy.kernel.AckWatcher;

/**
 * The acknowledgement check of one connection, for an adapter's {@link Transport#watchAcks}: at most one
 * {@link AckWatcher} watch at a time, each new one replacing (cancelling) the earlier, and a generation per
 * watch so that the late outcome of a replaced or cancelled watch settles nothing. The outcome reaches the
 * {@link CloseStateMachine} through {@link CloseStateMachine#onAckResult}, the one place that decides what a
 * result means (only {@link AckResult#ACKED} allows an RST).
 * <pre>{@code
 * public void watchAcks(long timeoutNanos) {        // Transport, on the connection's thread
 *     acks.start(runtime.ackWatcher(), ch.localAddress(), ch.remoteAddress(), timeoutNanos,
 *             (generation, result) -> loop.execute(() -> acks.settle(generation, result, machine)));
 * }
 * }</pre>
 *
 * <p>Thread-safety: not thread-safe; {@link #start}, {@link #settle} and {@link #cancel} run on the connection's
 * thread (or under its lock); only the {@link Delivery} is called from the watcher's thread.
 */
public final class AckCheck {

    /** Hands an outcome over to the connection's thread; called on the watcher's thread (or at once). */
    @FunctionalInterface
    public interface Delivery {
        /** The watch of this generation ended with this result. */
        void deliver(int generation, AckResult result);
    }

    private AckWatcher.Watch watch;
    private int generation;

    /** An ack check with no watch running. */
    public AckCheck() {
    }

    /**
     * Starts a watch of the connection's send queue for at most {@code timeoutNanos}, replacing any earlier one.
     * Addresses that are not IP socket addresses, or a watcher that refuses the watch, end it at once as
     * {@link AckResult#UNSUPPORTED} (delivered the same way).
     */
    public void start(AckWatcher watcher, SocketAddress local, SocketAddress remote, long timeoutNanos, Delivery delivery) {
        cancel();
        int g = generation;
        if (!(local instanceof InetSocketAddress l) || !(remote instanceof InetSocketAddress r)
                || l.getAddress() == null || r.getAddress() == null) {
            delivery.deliver(g, AckResult.UNSUPPORTED);
            return;
        }
        try {
            watch = watcher.watch(l, r, Duration.ofNanos(Math.max(0, timeoutNanos)), (result, pending) -> delivery.deliver(g, result));
        } catch (RuntimeException e) {
            delivery.deliver(g, AckResult.UNSUPPORTED);
        }
    }

    /**
     * The outcome of the watch of {@code generation}: settles the machine unless a newer watch or a
     * {@link #cancel} replaced it. Returns whether it settled.
     */
    public boolean settle(int generation, AckResult result, CloseStateMachine machine) {
        if (generation != this.generation) {
            return false;
        }
        watch = null;
        machine.onAckResult(result);
        return true;
    }

    /** Cancels the current watch, if any; its outcome, should it still come, settles nothing. */
    public void cancel() {
        generation++;
        AckWatcher.Watch w = watch;
        watch = null;
        if (w != null) {
            w.cancel();
        }
    }
}
