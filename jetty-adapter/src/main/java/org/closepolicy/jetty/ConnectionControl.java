package org.closepolicy.jetty;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeoutException;
import org.closepolicy.Protocol;
import org.closepolicy.Retire;
import org.closepolicy.Reuse;
import org.closepolicy.kernel.AckResult;
import org.closepolicy.kernel.SocketAcks;
import org.closepolicy.spi.AdapterRuntime;
import org.closepolicy.spi.CloseStateMachine;
import org.closepolicy.spi.ConnectionClose;
import org.closepolicy.spi.ConnectionRecord;
import org.closepolicy.spi.ConnectionRegistry;
import org.closepolicy.spi.DrainableConnection;
import org.closepolicy.spi.LoadMonitor;
import org.closepolicy.spi.Transport;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.io.ssl.SslConnection;
import org.eclipse.jetty.util.thread.Scheduler;

/**
 * The policy state of one connection: it is the connection's {@link ConnectionRecord} and, when the connection
 * runs on a {@link ClosePolicyEndPoint}, makes its {@link CloseStateMachine} at retirement and feeds it with the
 * endpoint's events (input, the client's FIN or reset, Jetty's idle timeout, shutdown and close). Its parts, each
 * sharing the connection's lock:
 * <ul>
 *   <li>{@link Http1Exchanges}: the HTTP/1 exchanges, where the policy decides at each commit;</li>
 *   <li>{@link Http2Retirement}: the HTTP/2 streams, the maximum-age timer and the {@code GOAWAY} drain (made when
 *       the connection turns HTTP/2);</li>
 *   <li>{@link ConnectionDrain}: the connection as the connector's drain sees it (made when the drain reaches it);</li>
 *   <li>{@link JettyTransport}: the {@link Transport} the machine drives, made with the machine at retirement
 *       (or when the connection ends open).</li>
 * </ul>
 * Events come from Jetty's selector and worker threads, the scheduler and the ack watcher; each takes
 * the lock, feeds the machine, and carries out the socket operation the machine asked for only after
 * releasing the lock ({@link ConnectionLock}), so no Jetty lock is ever taken under ours.
 *
 * <p>Over TLS the endpoint is the raw TCP one below Jetty's {@link SslConnection}: the FIN and the RST
 * happen here, the {@code close_notify} above it. A graceful close goes through the decrypting
 * endpoint, so that {@code close_notify} precedes the FIN; an RST does not (it would be discarded
 * with the send queue anyway). The client's {@code close_notify} counts as its FIN: its TCP FIN
 * follows at once, and Jetty does not read the socket again to see it.
 *
 * <p>On a retired HTTP/2 connection client-first waits for the client's FIN, which a client sends once
 * it has seen the {@code GOAWAY} and its streams are done. Until then the client's last frames (its own
 * {@code GOAWAY}) are read and discarded below Jetty, whose session would otherwise close the socket first.
 *
 * <p>Without an endpoint (a plain {@code ServerConnector} with only the customizer) it makes reuse
 * decisions only: no machine, no transport, no lock.
 *
 * <p>Thread-safety: thread-safe.
 */
final class ConnectionControl extends ConnectionClose implements DrainableConnection {

    /** Connection attribute holding the control when the endpoint is not a {@link ClosePolicyEndPoint}. */
    static final String ATTRIBUTE = ConnectionControl.class.getName();

    final AdapterRuntime runtime;
    final ClosePolicyEndPoint endPoint; // null: reuse decisions only
    final ConnectorDeadlines deadlines; // the connector's close-step sweep, and its scheduler for the rest
    final Executor executor;
    final ConnectionLock lock; // null: reuse decisions only
    final Http1Exchanges http1;
    volatile Http2Retirement http2; // made when the connection turns HTTP/2 (Http2Retirement.of)
    private volatile ConnectionDrain drain; // made when the server drains

    volatile boolean retired;
    volatile boolean peerResetSeen;
    volatile boolean closed;
    private volatile boolean acknowledgedBeforeTlsAnswer;
    // Guarded by the lock.
    private long seenBytesIn;
    private long seenBytesOut;

    ConnectionControl(AdapterRuntime runtime, ClosePolicyEndPoint endPoint, ConnectorDeadlines deadlines, Executor executor,
                              InetSocketAddress remote, InetSocketAddress local, long openedAtNanos) {
        super(Protocol.HTTP1, remote, local, openedAtNanos, runtime.load(), runtime.peers());
        this.runtime = runtime;
        this.endPoint = endPoint;
        this.deadlines = deadlines;
        this.executor = executor;
        this.lock = endPoint == null ? null : new ConnectionLock();
        this.http1 = new Http1Exchanges(this);
    }

    /** A control that owns the close of this endpoint. */
    static ConnectionControl forEndPoint(AdapterRuntime runtime, ClosePolicyEndPoint endPoint, ConnectorDeadlines deadlines,
                                         Executor executor) {
        return new ConnectionControl(runtime, endPoint, deadlines, executor,
                inet(endPoint.getRemoteSocketAddress()), inet(endPoint.getLocalSocketAddress()), runtime.ticker().nanos());
    }

    static InetSocketAddress inet(SocketAddress a) {
        return a instanceof InetSocketAddress i ? i : null;
    }

    ConnectionRecord record() {
        return this;
    }

    /** The machine and its transport, made at retirement or when the connection ends open (under the lock). */
    @Override
    protected CloseStateMachine newMachine() {
        if (endPoint == null) {
            throw new IllegalStateException("a connection on a plain connector has no close of ours");
        }
        JettyTransport t = new JettyTransport(this);
        lock.transport = t;
        return new CloseStateMachine(t, this, runtime.ticker(), runtime.listener());
    }

    // ---- the connection as the connector's drain sees it (ConnectionDrain, made when the drain reaches it)

    @Override
    public void drain(long idleGraceNanos) {
        drainState().drain(idleGraceNanos);
    }

    @Override
    public void cut() {
        drainState().cut();
    }

    /** Whether the server drains: no response is reused from now on. */
    boolean drainRequested() {
        ConnectionDrain d = drain;
        return d != null && d.requested();
    }

    /** The drain state of this connection, made now if the drain has not reached it. */
    ConnectionDrain drainState() {
        lock.lock();
        try {
            if (drain == null) {
                drain = new ConnectionDrain(this);
            }
            return drain;
        } finally {
            lock.unlock();
        }
    }

    /** Jetty's scheduler, for the timers that are not close steps (null: reuse decisions only). */
    Scheduler scheduler() {
        return deadlines == null ? null : deadlines.scheduler();
    }

    /** The machine's transport, or null before the machine is made. */
    JettyTransport transport() {
        return lock == null ? null : lock.transport;
    }

    /** Runs a task on Jetty's executor, or here when the pool is stopping (nothing here blocks). */
    void runOnJettyThread(Runnable task) {
        try {
            executor.execute(task);
        } catch (RejectedExecutionException e) {
            task.run();
        }
    }

    /** Retires the connection now (under the lock). */
    void retireNow(Retire r, boolean flushed) {
        retired = true;
        machine().retire(r, flushed);
    }

    /** Brings the record's byte counters up to Jetty's (cheaper than counting every read and write; under the lock). */
    void syncBytes(Connection connection, long now) {
        if (connection != null) {
            long in = connection.getBytesIn();
            long out = connection.getBytesOut();
            if (in != seenBytesIn) {
                addBytesIn(Math.max(0, in - seenBytesIn), now);
                seenBytesIn = in;
            }
            if (out != seenBytesOut) {
                addBytesOut(Math.max(0, out - seenBytesOut), now);
                seenBytesOut = out;
            }
        }
    }

    /** Gives the connection the idle timeout of the policy's reuse decision. */
    void applyIdleTimeout(Reuse reuse, Connection connection) {
        EndPoint ep = endPoint != null ? endPoint : connection == null ? null : connection.getEndPoint();
        if (ep != null) {
            long ms = Math.max(1, reuse.idleTimeoutNanos() / 1_000_000);
            if (ep.getIdleTimeout() != ms) {
                ep.setIdleTimeout(ms);
            }
        }
    }

    // ---------------------------------------------------------------- endpoint events

    void onOpen() {
        LoadMonitor monitor = runtime.load();
        if (monitor != null) {
            monitor.opened();
        }
        runtime.listener().onOpen(this);
        ConnectionRegistry registry = runtime.connections();
        if (registry != null && endPoint != null) {
            registry.register(this);
        }
    }

    /**
     * Whether the endpoint's connection (below TLS or not) speaks HTTP/1 or HTTP/2, the protocols
     * whose close this adapter shapes.
     */
    boolean managed() {
        if (endPoint == null) {
            return false;
        }
        Connection c = endPoint.applicationEndPoint().getConnection();
        return c instanceof org.eclipse.jetty.server.AbstractMetaDataConnection || c instanceof DrainConnection
                || (c != null && http2 != null && c == http2.connection());
    }

    /**
     * Jetty wants to shut the output down: after the last write of a non-persistent response, on the
     * client's EOF, or to end a connection on its own. Returns true when the FIN must be sent now.
     */
    boolean onShutdownOutput() {
        if (endPoint.isShutdownByPolicy() || !managed()) {
            return true;
        }
        boolean tlsPeerClosed = endPoint.tlsPeerClosed(); // over TLS Jetty shuts the output down after the client's close_notify
        lock.lock();
        try {
            if (isClosed()) {
                return true;
            }
            if (tlsPeerClosed) {
                peerClosed();
            } else if (!isRetired()) {
                if (http1.peerFinPending) {
                    http1.peerFinPending = false;
                    machine().onPeerFin();
                } else if (!http1.exchangeActive) {
                    // Jetty ends the connection on its own (an error response outside any exchange).
                    retireNow(runtime.retireForced(this, runtime.ticker().nanos()), true);
                }
                // Within an exchange, its end retires the connection (see endExchange).
            } else {
                // After the last write of a retired connection's response: the machine decides about the FIN.
                http1.flushed();
            }
        } finally {
            lock.unlockAndPerform();
        }
        return false;
    }

    /**
     * Whether the close policy has retired the connection and will close it itself: then the peer's
     * EOF must not make Jetty close the socket before the machine has answered it.
     */
    boolean closesItself() {
        if (endPoint == null || !retired) {
            return false;
        }
        lock.lock();
        try {
            return isRetired() && !isClosed();
        } finally {
            lock.unlock();
        }
    }

    /**
     * A write failed: the peer reset (or already closed) the connection. Reported to the machine when
     * the exchange ends ({@link Http1Exchanges#flushed}) or the endpoint closes ({@link #onClosed}), whichever is first.
     */
    void onWriteFailed() {
        peerResetSeen = true;
    }

    /**
     * Input arrived. Returns true when it is to be discarded before Jetty sees it: on a retired
     * HTTP/2 connection, whose streams are over, the client's last frames (its own {@code GOAWAY})
     * would make Jetty's session close the socket at once, ahead of the client's FIN.
     */
    boolean onInput(long bytes) {
        if (!retired) {
            return false;
        }
        boolean beforeTlsReads;
        boolean discard;
        lock.lock();
        try {
            beforeTlsReads = closeState() == CloseStateMachine.State.AWAIT_PEER_FIN && endPoint.tlsEndPoint() != null;
            machine().onInput(bytes);
            discard = Http2Retirement.isActive(http2) && !isClosed();
        } finally {
            lock.unlockAndPerform();
        }
        if (beforeTlsReads) {
            // Over TLS, after the response: the client's bytes (its close_notify) are still undecrypted, so the
            // TLS layer has not answered them yet. Whether every byte written so far is acknowledged now decides
            // the RST once only that answer can be in flight (JettyTransport#unacknowledged).
            acknowledgedBeforeTlsAnswer = SocketAcks.unacknowledged(localAddress(), remoteAddress()) == 0;
        }
        return discard;
    }

    /**
     * Whether, at the last read of the client's raw bytes after a TLS connection's response, every byte the server
     * had written was acknowledged: what the server writes after that is only the TLS layer's answer.
     */
    boolean acknowledgedBeforeTlsAnswer() {
        return acknowledgedBeforeTlsAnswer;
    }

    /** The client's FIN (read returned -1). */
    void onPeerFin() {
        lock.lock();
        try {
            peerClosed();
        } finally {
            lock.unlockAndPerform();
        }
    }

    /** The client's FIN, or its TLS {@code close_notify} (under the lock). */
    private void peerClosed() {
        machine(); // its transport keeps that the client closed
        lock.transport.peerClosed();
        if (Http2Retirement.endDrainOf(http2)) {
            machine().onPeerFin(); // streams in flight: a passive close once they are cut, never an RST
            machine().onResponseFlushed();
        } else if (!isRetired() && !Http2Retirement.isActive(http2) && (http1.exchangeActive || tlsMayHoldARequest())) {
            // The client half-closed with a request in flight: answer it first. Jetty then either answers it (the
            // FIN is told to the machine at the last send) or closes on its own (told in onClosed).
            http1.peerFinPending = true;
        } else {
            machine().onPeerFin();
        }
    }

    /**
     * Over TLS (HTTP/1), whether Jetty may still hold a request it has not started: the TLS layer reads ahead, so
     * the client's FIN and {@code close_notify} can be read before the request they follow is decrypted and parsed.
     */
    private boolean tlsMayHoldARequest() {
        return http2 == null && endPoint.tlsEndPoint() != null;
    }

    /** The read failed: the peer reset the connection. */
    void onPeerReset() {
        peerResetSeen = true;
        lock.lock();
        try {
            http1.peerFinPending = false;
            Http2Retirement.endDrainOf(http2);
            machine().onPeerReset();
        } finally {
            lock.unlockAndPerform();
        }
    }

    /**
     * Jetty's idle timeout expired. Returns true when Jetty's default handling should run. While the
     * connection is retired the machine's own deadlines bound every wait, so the expiry is ignored;
     * between requests the policy decides how an idle connection ends.
     */
    boolean onIdleExpired(TimeoutException timeout) {
        if (!managed()) {
            return true;
        }
        lock.lock();
        try {
            if (isClosed()) {
                return true;
            }
            if (isRetired()) {
                return false;
            }
        } finally {
            lock.unlock();
        }
        Http2Retirement h2 = http2;
        if (h2 != null && h2.active()) {
            h2.onIdle();
            return false;
        }
        Connection connection = endPoint.getConnection();
        if (connection != null && !connection.onIdleExpired(timeout)) {
            return false; // a request is in flight: Jetty fails it
        }
        lock.lock();
        try {
            if (isRetired() || http1.exchangeActive) {
                return false;
            }
            long now = runtime.ticker().nanos();
            idle();
            Retire r = runtime.retireIdle(this, now);
            if (r == null) {
                return false;
            }
            retireNow(r, true);
        } finally {
            lock.unlockAndPerform();
        }
        return false;
    }

    /**
     * The socket is about to be closed. When that is Jetty's own close while the policy waits for
     * the client's FIN (an HTTP/2 session ends at once on the client's answering {@code GOAWAY},
     * whose FIN follows right behind), one look at the input tells whether the FIN is already there:
     * then the close is the passive one it is on the wire, and {@code safe-reset} answers it.
     */
    void beforeClose() {
        if (endPoint == null || closed || !retired && Http2Retirement.drainingOf(http2) == null) {
            return;
        }
        lock.lock();
        try {
            if (closeState() == CloseStateMachine.State.AWAIT_ACK && lock.transport != null && lock.transport.peerHasClosed()) {
                // The RST after the client's FIN waits for the ack check, and Jetty closes now (over TLS, after the
                // client's close_notify): ask the kernel once, at once, so that a proven RST still goes out first.
                if (SocketAcks.unacknowledged(localAddress(), remoteAddress()) == 0) {
                    machine().onAckResult(AckResult.ACKED);
                }
                return;
            }
            if (closeState() != CloseStateMachine.State.AWAIT_PEER_FIN && (isRetired() || Http2Retirement.drainingOf(http2) == null)) {
                return;
            }
        } finally {
            lock.unlockAndPerform();
        }
        long n = endPoint.probeInput();
        if (n == -1) {
            onPeerFin();
        } else if (n == -2) {
            onPeerReset();
        }
    }

    /** The endpoint closed, by the machine or by Jetty. */
    void onClosed(Throwable cause) {
        if (closed) {
            return;
        }
        lock.lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            if (lock.transport != null) {
                lock.transport.endPointClosed();
            }
            Http2Retirement.endDrainOf(http2);
            if (http2 != null) {
                http2.cancelReuseTimer();
            }
            if (!isClosed()) {
                if (http1.peerFinPending || endPoint.tlsPeerClosed()) {
                    machine().onPeerFin();
                } else if (lock.transport != null && lock.transport.peerHasClosed()) {
                    machine().onTransportClosed(); // after the client's FIN (an RST waiting for its ack check): passive
                } else if (peerResetSeen) {
                    machine().onPeerReset();
                } else {
                    // Jetty closed it on its own (server stop, a timed-out or failed exchange): the server ended it.
                    machine().abort();
                }
            }
            if (lock.transport != null) {
                lock.transport.takeOps(); // the endpoint is closed: nothing left to carry out
            }
        } finally {
            lock.unlock();
        }
        LoadMonitor monitor = runtime.load();
        if (monitor != null) {
            monitor.closed();
        }
    }

    @Override
    public String toString() {
        return "ConnectionControl[" + super.toString() + ", " + (machineIfMade() == null ? "OPEN" : machineIfMade()) + "]";
    }
}
