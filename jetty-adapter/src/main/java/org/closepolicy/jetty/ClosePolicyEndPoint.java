package org.closepolicy.jetty;

import org.closepolicy.spi.AdapterRuntime;

import java.io.IOException;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeoutException;
import org.closepolicy.ConnectionView;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.io.ManagedSelector;
import org.eclipse.jetty.io.SocketChannelEndPoint;
import org.eclipse.jetty.io.ssl.SslConnection;
import org.eclipse.jetty.util.BufferUtil;
import org.eclipse.jetty.util.thread.Scheduler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link SocketChannelEndPoint} whose close follows a {@link org.closepolicy.ClosePolicy}: who
 * sends the first FIN, and whether the server ends with a FIN, a lingering close or an RST.
 *
 * <p>{@link ClosePolicyConnector} creates one per accepted connection; applications do not create
 * it themselves. What it changes in Jetty's behaviour:
 * <ul>
 *   <li>{@link #doShutdownOutput()}: after the last response of a retired connection Jetty asks for
 *       a FIN; the endpoint hands this to the close state machine instead, which for a client-first
 *       policy keeps the output open and waits (bounded by {@code clientWait}) for the client's FIN,
 *       while Jetty keeps reading and discarding input.</li>
 *   <li>{@link #fill(ByteBuffer)}: the client's EOF reaches the machine before Jetty closes the
 *       socket, so the machine can answer it with a passive close or, for {@code safe-reset}, with an
 *       RST (SO_LINGER 0); a failed read (a peer RST, which Jetty turns into EOF) is recorded as
 *       {@link org.closepolicy.WhoClosed#REMOTE_RST}. On a retired HTTP/2 connection whose streams are
 *       over, input is read and discarded here, so that Jetty's session does not close first on the
 *       client's own {@code GOAWAY}.</li>
 *   <li>{@link #flush(ByteBuffer...)}: a write that fails because the peer reset the connection
 *       (also the last write of a retired connection) is recorded as
 *       {@link org.closepolicy.WhoClosed#REMOTE_RST}, not as the server's close.</li>
 *   <li>{@link #onIdleExpired(TimeoutException)}: while a retired connection waits, the machine's own
 *       deadlines apply, not the connector's idle timeout; an idle connection between requests is
 *       closed the way the policy says (an ack-checked RST for the client-first presets).</li>
 *   <li>{@link #doClose()}: when Jetty closes while the policy waits for the client's FIN, a FIN
 *       already there makes it the passive close it is on the wire.</li>
 *   <li>{@link #onClose(Throwable)}: every connection reports exactly one
 *       {@link org.closepolicy.CloseEvent}, also when Jetty closes it on its own.</li>
 * </ul>
 * <pre>{@code
 * Server server = new Server();
 * ClosePolicyConnector connector = new ClosePolicyConnector(server, ClosePolicies.safeReset());
 * server.addConnector(connector);      // every accepted socket becomes a ClosePolicyEndPoint
 * }</pre>
 *
 * <p>Thread-safety: thread-safe; Jetty calls it from selector, worker and scheduler threads, and the
 * close state is guarded by a per-connection lock that is never held while calling into Jetty.
 */
public final class ClosePolicyEndPoint extends SocketChannelEndPoint {

    private static final Logger LOG = LoggerFactory.getLogger(ClosePolicyEndPoint.class);

    private static final ThreadLocal<ByteBuffer> PROBE = ThreadLocal.withInitial(() -> ByteBuffer.allocate(4 * 1024));

    private final ConnectionControl control;
    private volatile boolean shutdownByPolicy;

    ClosePolicyEndPoint(SocketChannel channel, ManagedSelector selector, SelectionKey key, Scheduler scheduler,
                        Executor executor, AdapterRuntime runtime, ConnectorDeadlines deadlines) {
        super(channel, selector, key, scheduler);
        this.control = ConnectionControl.forEndPoint(runtime, this, deadlines, executor);
    }

    ConnectionControl control() {
        return control;
    }

    /** What the policy sees of this connection (read it only from a {@link org.closepolicy.CloseListener} or for diagnostics). */
    public ConnectionView view() {
        return control.record();
    }

    /** Whether the policy has retired this connection (it is closing). */
    public boolean isRetired() {
        return control.retired;
    }

    @Override
    public void onOpen() {
        super.onOpen();
        control.onOpen();
    }

    @Override
    protected void doShutdownOutput() {
        if (control.onShutdownOutput()) {
            super.doShutdownOutput();
        }
    }

    @Override
    public int fill(ByteBuffer buffer) throws IOException {
        if (isInputShutdown()) {
            return -1;
        }
        int pos = BufferUtil.flipToFill(buffer);
        int filled;
        boolean failed = false;
        try {
            filled = getChannel().read(buffer);
        } catch (IOException e) {
            LOG.debug("read failed on {}", this, e);
            filled = -1;
            failed = true;
        } finally {
            BufferUtil.flipToFlush(buffer, pos);
        }
        if (filled > 0) {
            notIdle();
            if (control.onInput(filled)) {
                buffer.limit(buffer.limit() - filled); // read and discarded: the policy closes this connection
                return 0;
            }
        } else if (filled < 0) {
            // Tell the machine before Jetty closes the socket: the reply to the peer's FIN may be an RST.
            if (failed) {
                control.onPeerReset();
            } else {
                control.onPeerFin();
            }
            if (!control.closesItself()) {
                // Jetty's own EOF handling: with its output marked shut (a deferred FIN) this closes the socket.
                shutdownInput();
            }
        }
        return filled;
    }

    /**
     * One non-blocking read that discards what it gets, outside Jetty's fill discipline: only for a
     * retiring connection whose request is fully read, before its last response is written.
     * Returns the bytes read, -1 at the peer's EOF, or -2 when the read failed (the peer reset).
     */
    long probeInput() {
        ByteBuffer scratch = PROBE.get();
        long total = 0;
        try {
            for (int i = 0; i < 4; i++) {
                scratch.clear();
                int n = getChannel().read(scratch);
                if (n < 0) {
                    return -1;
                }
                if (n == 0) {
                    break;
                }
                total += n;
            }
        } catch (IOException e) {
            LOG.debug("probe read failed on {}", this, e);
            return -2;
        }
        return total;
    }

    @Override
    public boolean flush(ByteBuffer... buffers) throws IOException {
        try {
            return super.flush(buffers);
        } catch (IOException e) {
            control.onWriteFailed();
            throw e;
        }
    }

    /**
     * Skips the selector's interest update of an endpoint that is already closed. A retired
     * connection's last read (the client's EOF) often closes the socket on the selector thread
     * itself, between selecting the key and updating its interest: the update would then only
     * raise, and swallow, a {@link java.nio.channels.CancelledKeyException} for every connection.
     */
    @Override
    public void updateKey() {
        if (isOpen()) {
            super.updateKey();
        }
    }

    @Override
    protected void onIdleExpired(TimeoutException timeout) {
        if (control.onIdleExpired(timeout)) {
            super.onIdleExpired(timeout);
        }
    }

    @Override
    public void doClose() {
        control.beforeClose(); // Jetty closes on its own: a client FIN already there makes it a passive close
        super.doClose();
    }

    @Override
    public void onClose(Throwable cause) {
        try {
            super.onClose(cause);
        } finally {
            control.onClosed(cause);
        }
    }

    /** The decrypting endpoint over TLS, else null. */
    EndPoint tlsEndPoint() {
        return getConnection() instanceof SslConnection ssl ? ssl.getSslEndPoint() : null;
    }

    /** The endpoint the HTTP connection runs on: the decrypting one over TLS, else this one. */
    EndPoint applicationEndPoint() {
        EndPoint t = tlsEndPoint();
        return t != null ? t : this;
    }

    /**
     * Whether the client's TLS {@code close_notify} arrived. Its TCP FIN follows at once, but Jetty
     * stops reading after the alert, so the socket's EOF may never be read: the alert stands for it.
     */
    boolean tlsPeerClosed() {
        if (getConnection() instanceof SslConnection ssl) {
            try {
                return ssl.getSSLEngine().isInboundDone();
            } catch (RuntimeException e) {
                return false;
            }
        }
        return false;
    }

    boolean isShutdownByPolicy() {
        return shutdownByPolicy;
    }

    /**
     * Sends the FIN the machine asked for (lingering close), keeping the input open; over TLS through
     * the decrypting endpoint {@code tls}, so that {@code close_notify} goes first.
     */
    void shutdownOutputByPolicy(EndPoint tls) {
        shutdownByPolicy = true;
        if (isOutputShutdown()) {
            // Jetty's state already says so (its own shutdown was deferred): send the FIN directly.
            super.doShutdownOutput();
        } else if (tls != null && !tls.isOutputShutdown()) {
            tls.shutdownOutput(); // close_notify, then this endpoint's shutdownOutput
        } else {
            shutdownOutput();
        }
    }

    /** Closes abortively: SO_LINGER 0 makes the kernel send an RST instead of a FIN. */
    void resetByPolicy() {
        try {
            SocketChannel ch = getChannel();
            if (ch.isOpen()) {
                ch.setOption(StandardSocketOptions.SO_LINGER, 0);
            }
        } catch (IOException | RuntimeException e) {
            LOG.debug("could not set SO_LINGER 0 on {}", this, e);
        }
        close();
    }
}
