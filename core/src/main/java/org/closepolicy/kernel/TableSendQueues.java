package org.closepolicy.kernel;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Send queues from {@link TcpSnapshot}s: the {@code /proc/net/tcp} path, or a custom source.
 *
 * <p>A 4-tuple missing from one snapshot is looked up in a second one taken at once, and is absent only when
 * both miss it. The kernel renders {@code /proc/net/tcp} a page per {@code read()} and resumes each page at an
 * offset inside a hash bucket, so on a busy host one read skips live rows (and repeats others); a single miss
 * would end a watch as GONE, a FIN close, where the connection was there to be proven acknowledged. A row
 * present in either read wins. The second read happens only on a tick where a 4-tuple is missing.
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
        TcpSnapshot snap = take();
        if (snap == null) {
            return false;
        }
        int missing = lookUp(snap, keys, n, out);
        if (missing > 0) {
            TcpSnapshot again = take();
            if (again != null) {
                for (int i = 0; i < n; i++) {
                    if (out[i] == SockDiagCodec.ABSENT) {
                        int row = again.indexOf(keys[i]);
                        out[i] = row < 0 ? SockDiagCodec.ABSENT : queueState(again, row);
                    }
                }
            }
        }
        return true;
    }

    /** Fills {@code out} from {@code snap}; returns how many keys it lacks. */
    private static int lookUp(TcpSnapshot snap, TupleKey[] keys, int n, long[] out) {
        int missing = 0;
        for (int i = 0; i < n; i++) {
            int row = snap.indexOf(keys[i]);
            if (row < 0) {
                out[i] = SockDiagCodec.ABSENT;
                missing++;
            } else {
                out[i] = queueState(snap, row);
            }
        }
        return missing;
    }

    /** The row's send queue, or {@link SockDiagCodec#UNREAD_INPUT} when it is empty and rx_queue is not. */
    private static long queueState(TcpSnapshot snap, int row) {
        return SockDiagCodec.queueState(snap.txAt(row), snap.rxAt(row));
    }

    /** A readable snapshot, or {@code null} when the source fails or cannot read the table. */
    private TcpSnapshot take() {
        TcpSnapshot snap;
        try {
            snap = source.get();
        } catch (RuntimeException e) {
            if (failureLogged.compareAndSet(false, true)) {
                LOG.warn("TCP table source failed; pending ack watches settle as UNSUPPORTED", e);
            }
            return null;
        }
        return snap == null || !snap.supported() ? null : snap;
    }

    @Override
    public AckPath path() {
        return path;
    }
}
