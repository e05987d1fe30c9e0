package org.closepolicy.kernel;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Send queues from one {@link TcpSnapshot} per read: the {@code /proc/net/tcp} path, or a custom source.
 *
 * <p>Thread-safety: used by one watcher thread.
 */
final class TableSendQueues implements SendQueueReader {

    private static final Logger LOG = LoggerFactory.getLogger(AckWatcher.class);

    private final Supplier<TcpSnapshot> source;
    private final AckPath path;
    private final AtomicBoolean failureLogged = new AtomicBoolean();

    TableSendQueues(Supplier<TcpSnapshot> source, AckPath path) {
        this.source = source;
        this.path = path;
    }

    /** The {@code /proc/net/tcp{,6}} reader. */
    static TableSendQueues system() {
        return new TableSendQueues(() -> TcpTable.system().snapshot(), AckPath.PROC_NET_TCP);
    }

    @Override
    public boolean read(TupleKey[] keys, int n, long[] out) {
        TcpSnapshot snap;
        try {
            snap = source.get();
        } catch (RuntimeException e) {
            if (failureLogged.compareAndSet(false, true)) {
                LOG.warn("TCP table source failed; pending ack watches settle as UNSUPPORTED", e);
            }
            return false;
        }
        if (snap == null || !snap.supported()) {
            return false;
        }
        for (int i = 0; i < n; i++) {
            int row = snap.indexOf(keys[i]);
            out[i] = row < 0 ? SockDiagCodec.ABSENT : snap.txAt(row);
        }
        return true;
    }

    @Override
    public AckPath path() {
        return path;
    }
}
