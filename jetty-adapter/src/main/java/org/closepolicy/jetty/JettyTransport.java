package org.closepolicy.jetty;

import java.net.InetSocketAddress;
import org.closepolicy.FallbackReason;
import org.closepolicy.kernel.AckResult;
import org.closepolicy.kernel.SocketAcks;
import org.closepolicy.spi.AckCheck;
import org.closepolicy.spi.StepTimer;
import org.closepolicy.spi.TimedTransport;
import org.closepolicy.spi.Transport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link Transport} of one {@link ClosePolicyEndPoint}, made with its close state machine when the
 * connection retires. The machine runs under the connection's lock and only records the socket operations it
 * asks for; {@link ConnectionLock#unlockAndPerform()} carries them out ({@link #perform}) after the lock is
 * released, so no Jetty lock is ever taken under ours.
 * <pre>{@code
 * control.lock.lock();
 * try {
 *     control.machine().onPeerFin();   // may ask for a FIN or an RST
 * } finally {
 *     control.lock.unlockAndPerform(); // sends it, outside the lock
 * }
 * }</pre>
 * The machine's timer is a deadline on the connector's {@link ConnectorDeadlines} (swept on Jetty's
 * scheduler), the ack watch runs on the shared watcher; both come back under the lock. Within the last send
 * of a response the timer is deferred and armed when the send returns, which spares an arming and a cancel
 * per connection.
 *
 * <p>Thread-safety: thread-safe; every method but {@link #perform} is called under the connection's lock.
 */
final class JettyTransport extends TimedTransport {

    private static final Logger LOG = LoggerFactory.getLogger(JettyTransport.class);

    private static final int OP_SHUTDOWN = 1;
    private static final int OP_CLOSE = 2;
    private static final int OP_RESET = 4;

    private final ConnectionControl control;
    private final DeadlineTimer timer;
    // Made by the first ack check (most connections never need one); a result of an earlier, cancelled watch settles nothing.
    private AckCheck acks;

    // Guarded by the lock.
    private int ops;
    private volatile boolean peerClosed; // the client's FIN or close_notify came

    JettyTransport(ConnectionControl control) {
        this.control = control;
        this.timer = new DeadlineTimer(control.deadlines, control.runtime.ticker(), () -> control.closed, this::onTimer);
    }

    /** The socket operations asked for since the lock was taken, forgotten here (under the lock). */
    int takeOps() {
        int o = ops;
        ops = 0;
        return o;
    }

    /** The endpoint closed (under the lock): no timer, no ack watch from now on. */
    void endPointClosed() {
        cancelTimer();
        cancelAcks();
    }

    /** The client closed (under the lock): a close then sends no {@code close_notify}, which its kernel would reset. */
    void peerClosed() {
        peerClosed = true;
    }

    /** Whether the client's FIN or close_notify came. */
    boolean peerHasClosed() {
        return peerClosed;
    }

    private void onTimer() {
        control.lock.lock();
        try {
            if (timer.due()) {
                control.machine().onTimer();
            }
        } finally {
            control.lock.unlockAndPerform();
        }
    }

    private void cancelAcks() {
        if (acks != null) {
            acks.cancel();
        }
    }

    private void onAckSettled(int generation, AckResult result) {
        LOG.debug("ack watch of {} settled: {}", control, result);
        // On the watcher thread: hop to a Jetty thread.
        control.runOnJettyThread(() -> settleAck(generation, result));
    }

    private void settleAck(int generation, AckResult result) {
        control.lock.lock();
        try {
            if (!control.closed) {
                acks.settle(generation, result, control.machine()); // nothing when cancelled meanwhile or replaced
            }
        } finally {
            control.lock.unlockAndPerform();
        }
    }

    // ---------------------------------------------------------------- Transport (called by the machine under the lock)

    @Override
    public void shutdownOutput() {
        ops |= OP_SHUTDOWN;
    }

    @Override
    public void close() {
        cancelAcks();
        ops |= OP_CLOSE;
    }

    @Override
    public void reset() {
        cancelAcks();
        ops |= OP_RESET;
    }

    @Override
    protected StepTimer<?> timer() {
        return timer;
    }

    /** Over TLS: the client answers the server's {@code close_notify} with its own. */
    @Override
    public boolean peerAnswersClose() {
        return control.endPoint.tlsEndPoint() != null;
    }

    /**
     * Without TLS {@code -1}: the ack watcher decides (its batched queries cost a connection less than one query at
     * once). Over TLS one {@code sock_diag} query now; and {@code 0} once the client has closed when every byte written
     * before its last bytes was acknowledged as they were read, still encrypted
     * ({@link ConnectionControl#acknowledgedBeforeTlsAnswer}): what can be in flight since is only the TLS layer's own
     * answer (to its {@code close_notify}), which the client, having closed, does not need.
     */
    @Override
    public long unacknowledged() {
        if (control.endPoint.tlsEndPoint() == null) {
            return -1;
        }
        return peerClosed && control.acknowledgedBeforeTlsAnswer() ? 0 : SocketAcks.unacknowledged(control.localAddress(), control.remoteAddress());
    }

    @Override
    public void watchAcks(long timeoutNanos) {
        InetSocketAddress local = control.localAddress();
        InetSocketAddress remote = control.remoteAddress();
        if (local == null || remote == null) {
            control.machine().onAckFailed(FallbackReason.ACK_CHECK_UNSUPPORTED);
            return;
        }
        if (acks == null) {
            acks = new AckCheck();
        }
        acks.start(control.runtime.ackWatcher(), local, remote, timeoutNanos, this::onAckSettled);
    }

    /** Carries out the machine's socket operations; never under the lock. */
    void perform(int o) {
        if (o == 0) {
            return;
        }
        ClosePolicyEndPoint endPoint = control.endPoint;
        if ((o & OP_SHUTDOWN) != 0) {
            endPoint.shutdownOutputByPolicy(endPoint.tlsEndPoint());
        }
        if ((o & OP_RESET) != 0) {
            endPoint.resetByPolicy(); // no close_notify: the RST discards the send queue anyway
        } else if ((o & OP_CLOSE) != 0) {
            // Over TLS close_notify first (unless sent already), except to a client that has closed:
            // its kernel would answer the alert with an RST.
            (peerClosed ? endPoint : endPoint.applicationEndPoint()).close();
        }
    }
}
