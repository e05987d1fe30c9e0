package org.closepolicy.jetty;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeoutException;
import org.eclipse.jetty.io.AbstractConnection;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.io.EndPoint;

/**
 * Takes over a retired HTTP/1 connection once its last exchange is over, and reads and discards
 * whatever the client still sends (the rest of an unread request body, pipelined requests) until its
 * EOF or until the close policy closes the connection.
 *
 * <p>Jetty's own connection cannot do this: its parser is closed after a non-persistent response,
 * and any further byte makes it close the socket at once with that byte unread, which the kernel
 * answers with an RST that can destroy the response (rule 3 of the design). Installed through
 * Jetty's upgrade mechanism ({@code HttpStream.UPGRADE_CONNECTION_ATTRIBUTE}), which also hands over
 * the bytes Jetty had already read. Over TLS it reads from the decrypting endpoint, on which Jetty's
 * connection ran.
 *
 * <p>Thread-safety: driven by Jetty's fill interest, one fill at a time.
 */
final class DrainConnection extends AbstractConnection.NonBlocking implements Connection.UpgradeTo {

    private static final int READS_PER_CALL = 8;
    private static final ThreadLocal<ByteBuffer> SCRATCH = ThreadLocal.withInitial(() -> ByteBuffer.allocate(16 * 1024));

    private final ConnectionControl control;

    DrainConnection(EndPoint endPoint, Executor executor, ConnectionControl control) {
        super(endPoint, executor);
        this.control = control;
    }

    @Override
    public void onUpgradeTo(ByteBuffer buffered) {
        if (buffered != null && buffered.hasRemaining()) {
            control.onInput(buffered.remaining());
            buffered.position(buffered.limit());
        }
    }

    @Override
    public void onOpen() {
        super.onOpen();
        fillInterested();
    }

    @Override
    public void onFillable() {
        if (drain() && getEndPoint().isOpen()) {
            fillInterested();
        }
    }

    /**
     * Reads and discards what is there; the endpoint reports the bytes and any EOF to the close
     * policy. Returns false at EOF or on a read failure (nothing more to read).
     */
    private boolean drain() {
        ByteBuffer scratch = SCRATCH.get();
        EndPoint endPoint = getEndPoint();
        try {
            for (int i = 0; i < READS_PER_CALL; i++) {
                scratch.clear().flip(); // Jetty fills in flush mode
                int n = endPoint.fill(scratch);
                if (n < 0) {
                    if (!(endPoint instanceof ClosePolicyEndPoint)) {
                        // Over TLS the client's close_notify ends the input before its FIN is read.
                        control.onPeerFin();
                    }
                    return false;
                }
                if (n == 0) {
                    break;
                }
            }
            return true;
        } catch (IOException e) {
            endPoint.close(e);
            return false;
        } finally {
            scratch.clear();
        }
    }

    @Override
    public boolean onIdleExpired(TimeoutException timeout) {
        // The close policy bounds every wait of a retired connection.
        return false;
    }
}
