package org.closepolicy.jetty;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.closepolicy.Protocol;
import org.closepolicy.Retire;
import org.closepolicy.Reuse;
import org.closepolicy.spi.AdapterRuntime;
import org.closepolicy.spi.CloseStateMachine;
import org.closepolicy.spi.ConnectionRecord;
import org.closepolicy.spi.ConnectionRegistry;
import org.closepolicy.spi.LoadMonitor;
import org.closepolicy.spi.Transport;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.io.ssl.SslConnection;
import org.eclipse.jetty.server.ConnectionMetaData;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.util.thread.Scheduler;

/**
 * The policy state of one connection: its {@link ConnectionRecord}, and, when the connection runs on
 * a {@link ClosePolicyEndPoint}, its {@link CloseStateMachine}, which it feeds with the endpoint's
 * events (input, the client's FIN or reset, Jetty's idle timeout, shutdown and close). Its parts, each
 * sharing the connection's lock:
 * <ul>
 *   <li>{@link Http1Exchanges}: the HTTP/1 exchanges, where the policy decides at each commit;</li>
 *   <li>{@link Http2Retirement}: the HTTP/2 streams, the maximum-age timer and the {@code GOAWAY} drain;</li>
 *   <li>{@link ConnectionDrain}: the connection as the connector's drain sees it;</li>
 *   <li>{@link JettyTransport}: the {@link Transport} the machine drives, and the lock itself.</li>
 * </ul>
 * Events come from Jetty's selector and worker threads, the scheduler and the ack watcher; each takes
 * the lock, feeds the machine, and carries out the socket operation the machine asked for only after
 * releasing the lock, so no Jetty lock is ever taken under ours.
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
final class ConnectionControl {

    /** Connection attribute holding the control when the endpoint is not a {@link ClosePolicyEndPoint}. */
    static final String ATTRIBUTE = ConnectionControl.class.getName();

    final AdapterRuntime runtime;
    final ClosePolicyEndPoint endPoint; // null: reuse decisions only
    final Scheduler scheduler;
    final Executor executor;
    final ConnectionRecord record;
    final JettyTransport transport; // null: reuse decisions only; else also the connection's lock
    final CloseStateMachine machine; // null: reuse decisions only
    final Http1Exchanges http1;
    final Http2Retirement http2;
    final ConnectionDrain drain;

    volatile boolean retired;
    volatile boolean peerResetSeen;
    volatile boolean closed;
    // Guarded by the lock.
    private long seenBytesIn;
    private long seenBytesOut;

    private ConnectionControl(AdapterRuntime runtime, ClosePolicyEndPoint endPoint, Scheduler scheduler, Executor executor,
                              ConnectorDeadlines deadlines, InetSocketAddress remote, InetSocketAddress local, long openedAtNanos) {
        this.runtime = runtime;
        this.endPoint = endPoint;
        this.scheduler = scheduler;
        this.executor = executor;
        this.record = new ConnectionRecord(Protocol.HTTP1, remote, local, openedAtNanos, runtime.load(), runtime.peers());
        this.transport = endPoint == null ? null : new JettyTransport(this, deadlines);
        this.machine = endPoint == null ? null : new CloseStateMachine(transport, record, runtime.ticker(), runtime.listener());
        this.http1 = new Http1Exchanges(this);
        this.http2 = new Http2Retirement(this);
        this.drain = new ConnectionDrain(this);
    }

    /** A control that owns the close of this endpoint. */
    static ConnectionControl forEndPoint(AdapterRuntime runtime, ClosePolicyEndPoint endPoint, Scheduler scheduler, Executor executor,
                                         ConnectorDeadlines deadlines) {
        return new ConnectionControl(runtime, endPoint, scheduler, executor, deadlines,
                inet(endPoint.getRemoteSocketAddress()), inet(endPoint.getLocalSocketAddress()), runtime.ticker().nanos());
    }

    /**
     * The HTTP/1 exchanges of the connection carrying this request: the endpoint's own control's when
     * the connection runs directly on a {@link ClosePolicyEndPoint}, else those of a control kept in a
     * connection attribute (reuse decisions only).
     */
    static Http1Exchanges http1Of(Request request, AdapterRuntime runtime) {
        return of(request, runtime).http1;
    }

    private static ConnectionControl of(Request request, AdapterRuntime runtime) {
        ConnectionMetaData meta = request.getConnectionMetaData();
        Connection connection = meta.getConnection();
        ClosePolicyEndPoint cp = connection == null ? null : below(connection.getEndPoint());
        if (cp != null) {
            return cp.control();
        }
        Object existing = meta.getAttribute(ATTRIBUTE);
        if (existing instanceof ConnectionControl c) {
            return c;
        }
        ConnectionControl c = reuseOnly(runtime, meta, connection);
        meta.setAttribute(ATTRIBUTE, c);
        return c;
    }

    /** A control of a connection on a plain connector: reuse decisions only, its age taken from Jetty's. */
    private static ConnectionControl reuseOnly(AdapterRuntime runtime, ConnectionMetaData meta, Connection connection) {
        long now = runtime.ticker().nanos();
        long ageMillis = connection == null ? 0 : Math.max(0, System.currentTimeMillis() - connection.getCreatedTimeStamp());
        return new ConnectionControl(runtime, null, null, null, null, inet(meta.getRemoteSocketAddress()),
                inet(meta.getLocalSocketAddress()), now - TimeUnit.MILLISECONDS.toNanos(ageMillis));
    }

    /**
     * The HTTP/2 side of this connection's control when it runs on a {@link ClosePolicyEndPoint} (directly
     * or below TLS), else null: on a plain connector HTTP/2 passes through untouched.
     */
    static Http2Retirement http2Of(Connection connection) {
        ClosePolicyEndPoint cp = connection == null ? null : below(connection.getEndPoint());
        if (cp == null || !Http2Sessions.isHttp2(connection)) {
            return null;
        }
        ConnectionControl c = cp.control();
        c.http2.onOpen(connection); // in case the connector's listener did not see it open
        return c.http2;
    }

    /** The {@link ClosePolicyEndPoint} under this endpoint (itself, or the one below TLS), or null. */
    static ClosePolicyEndPoint below(EndPoint ep) {
        EndPoint e = ep;
        while (e instanceof EndPoint.Wrapper w && !(e instanceof ClosePolicyEndPoint)) {
            e = w.unwrap();
        }
        return e instanceof ClosePolicyEndPoint cp ? cp : null;
    }

    private static InetSocketAddress inet(SocketAddress a) {
        return a instanceof InetSocketAddress i ? i : null;
    }

    ConnectionRecord record() {
        return record;
    }

    boolean isRetired() {
        return retired;
    }

    /** Retires the connection now (under the lock). */
    void retireNow(Retire r, boolean flushed) {
        retired = true;
        machine.retire(r, flushed);
    }

    /** Brings the record's byte counters up to Jetty's (cheaper than counting every read and write; under the lock). */
    void syncBytes(Connection connection, long now) {
        if (connection != null) {
            long in = connection.getBytesIn();
            long out = connection.getBytesOut();
            if (in != seenBytesIn) {
                record.addBytesIn(Math.max(0, in - seenBytesIn), now);
                seenBytesIn = in;
            }
            if (out != seenBytesOut) {
                record.addBytesOut(Math.max(0, out - seenBytesOut), now);
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
        runtime.listener().onOpen(record);
        ConnectionRegistry registry = runtime.connections();
        if (registry != null && machine != null) {
            registry.register(drain);
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
                || (c != null && c == http2.connection());
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
        transport.lock();
        try {
            if (machine.isClosed()) {
                return true;
            }
            if (tlsPeerClosed) {
                peerClosed();
            } else if (!machine.isRetired()) {
                if (http1.peerFinPending) {
                    http1.peerFinPending = false;
                    machine.onPeerFin();
                } else if (!http1.exchangeActive) {
                    // Jetty ends the connection on its own (an error response outside any exchange).
                    retireNow(runtime.retireForced(record, runtime.ticker().nanos()), true);
                }
                // Within an exchange, its end retires the connection (see endExchange).
            } else {
                // After the last write of a retired connection's response: the machine decides about the FIN.
                http1.flushed();
            }
        } finally {
            transport.unlockAndPerform();
        }
        return false;
    }

    /**
     * Whether the close policy has retired the connection and will close it itself: then the peer's
     * EOF must not make Jetty close the socket before the machine has answered it.
     */
    boolean closesItself() {
        if (machine == null || !retired) {
            return false;
        }
        transport.lock();
        try {
            return machine.isRetired() && !machine.isClosed();
        } finally {
            transport.unlock();
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
        transport.lock();
        try {
            machine.onInput(bytes);
            return http2.active() && !machine.isClosed();
        } finally {
            transport.unlockAndPerform();
        }
    }

    /** The client's FIN (read returned -1). */
    void onPeerFin() {
        transport.lock();
        try {
            peerClosed();
        } finally {
            transport.unlockAndPerform();
        }
    }

    /** The client's FIN, or its TLS {@code close_notify} (under the lock). */
    private void peerClosed() {
        transport.peerClosed();
        if (http2.retireDraining()) {
            machine.onPeerFin(); // streams in flight: a passive close once they are cut, never an RST
            machine.onResponseFlushed();
        } else if (!machine.isRetired() && http1.exchangeActive && !http2.active()) {
            // The client half-closed with a request in flight: answer it first.
            http1.peerFinPending = true;
        } else {
            machine.onPeerFin();
        }
    }

    /** The read failed: the peer reset the connection. */
    void onPeerReset() {
        peerResetSeen = true;
        transport.lock();
        try {
            http1.peerFinPending = false;
            http2.retireDraining();
            machine.onPeerReset();
        } finally {
            transport.unlockAndPerform();
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
        transport.lock();
        try {
            if (machine.isClosed()) {
                return true;
            }
            if (machine.isRetired()) {
                return false;
            }
        } finally {
            transport.unlock();
        }
        if (http2.active()) {
            http2.onIdle();
            return false;
        }
        Connection connection = endPoint.getConnection();
        if (connection != null && !connection.onIdleExpired(timeout)) {
            return false; // a request is in flight: Jetty fails it
        }
        transport.lock();
        try {
            if (machine.isRetired() || http1.exchangeActive) {
                return false;
            }
            long now = runtime.ticker().nanos();
            record.idle();
            Retire r = runtime.retireIdle(record, now);
            if (r == null) {
                return false;
            }
            retireNow(r, true);
        } finally {
            transport.unlockAndPerform();
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
        if (machine == null || closed || !retired && http2.draining() == null) {
            return;
        }
        transport.lock();
        try {
            if (machine.state() != CloseStateMachine.State.AWAIT_PEER_FIN && (machine.isRetired() || http2.draining() == null)) {
                return;
            }
        } finally {
            transport.unlock();
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
        transport.lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            transport.endPointClosed();
            http2.retireDraining();
            http2.cancelReuseTimer();
            if (!machine.isClosed()) {
                if (http1.peerFinPending || endPoint.tlsPeerClosed()) {
                    machine.onPeerFin();
                } else if (peerResetSeen) {
                    machine.onPeerReset();
                } else {
                    // Jetty closed it on its own (server stop, a timed-out or failed exchange): the server ended it.
                    machine.abort();
                }
            }
            transport.discardOps();
        } finally {
            transport.unlock();
        }
        LoadMonitor monitor = runtime.load();
        if (monitor != null) {
            monitor.closed();
        }
    }

    @Override
    public String toString() {
        return "ConnectionControl[" + record + ", " + machine + "]";
    }
}
