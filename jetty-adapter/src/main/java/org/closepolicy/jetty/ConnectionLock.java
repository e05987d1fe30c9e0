package org.closepolicy.jetty;

import java.util.concurrent.locks.AbstractQueuedSynchronizer;

/**
 * The lock of one {@link ClosePolicyEndPoint}'s connection, and the close operations asked for under it: the
 * close state machine runs under the lock and its {@link JettyTransport} only records the socket operations it
 * asks for; {@link #unlockAndPerform()} carries them out after releasing the lock, so no Jetty lock is ever
 * taken under ours.
 * <pre>{@code
 * c.lock.lock();
 * try {
 *     c.machine().onPeerFin();     // may ask for a FIN or an RST
 * } finally {
 *     c.lock.unlockAndPerform();   // sends it, outside the lock
 * }
 * }</pre>
 * A reentrant lock in one object (a {@code ReentrantLock} is two, 48 bytes per connection instead of 32), with
 * the transport, which is made with the machine at retirement.
 *
 * <p>Thread-safety: thread-safe.
 */
final class ConnectionLock extends AbstractQueuedSynchronizer {

    private static final long serialVersionUID = 1L;

    /** The machine's transport once the connection retired (or ended open); written once, under the lock. */
    transient volatile JettyTransport transport;

    void lock() {
        acquire(1);
    }

    void unlock() {
        release(1);
    }

    /** Releases the lock, then carries out the socket operations the machine asked for while it was held. */
    void unlockAndPerform() {
        JettyTransport t = transport;
        int ops = t == null ? 0 : t.takeOps();
        release(1);
        if (ops != 0) {
            t.perform(ops);
        }
    }

    @Override
    protected boolean tryAcquire(int n) {
        Thread current = Thread.currentThread();
        int held = getState();
        if (held == 0) {
            if (compareAndSetState(0, n)) {
                setExclusiveOwnerThread(current);
                return true;
            }
        } else if (getExclusiveOwnerThread() == current) {
            setState(held + n);
            return true;
        }
        return false;
    }

    @Override
    protected boolean tryRelease(int n) {
        if (getExclusiveOwnerThread() != Thread.currentThread()) {
            throw new IllegalMonitorStateException("the connection's lock is not held by this thread");
        }
        int held = getState() - n;
        boolean free = held == 0;
        if (free) {
            setExclusiveOwnerThread(null);
        }
        setState(held);
        return free;
    }

    @Override
    protected boolean isHeldExclusively() {
        return getExclusiveOwnerThread() == Thread.currentThread();
    }
}
