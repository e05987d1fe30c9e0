package org.closepolicy.kernel;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * The kernel's TCP socket table at one moment: state counts, per-port counts and queue sizes by 4-tuple.
 *
 * <p>Obtained from {@link TcpTable#snapshot()} (or {@link TcpTable#parse(String, String)} in tests). A snapshot
 * taken where the table cannot be read reports {@link #supported()} {@code false}, says why in
 * {@link #reason()}, and answers every query with zero or empty.
 * <pre>{@code
 * TcpSnapshot s = TcpTable.system().snapshot();
 * int serverTimeWait = s.countLocalPort(TcpState.TIME_WAIT, 8080);
 * boolean allAcked = s.txQueue(channelLocal, channelRemote).orElse(-1) == 0;
 * }</pre>
 *
 * <p>Rows are stored in columns; {@link #entries()} materialises {@link TcpEntry} objects only when asked.
 * Lookups by 4-tuple compare address bytes and ports; IPv4 addresses match their IPv4-mapped rows in
 * {@code tcp6}. A row the read listed twice (the kernel renders the table a page per {@code read()} and resumes
 * inside a hash bucket) is kept once, so counts are of sockets; when the copies disagree, the live one over
 * TIME_WAIT, then the larger send queue. Such a read can also skip rows: a 4-tuple missing from one snapshot
 * does not prove the connection is gone.
 *
 * <p>Thread-safety: immutable, safe to share between threads.
 */
public final class TcpSnapshot {

    private static final TcpState[] STATES = TcpState.values();

    private final boolean supported;
    private final String reason;
    private final int size;
    private final int malformedLines;
    private final byte[] state;
    private final long[] localHi;
    private final long[] localLo;
    private final int[] localPort;
    private final long[] remoteHi;
    private final long[] remoteLo;
    private final int[] remotePort;
    private final long[] tx;
    private final long[] rx;
    private final int[] uid;
    private final long[] inode;
    private final int[] stateCounts = new int[16];
    private final int[] index;
    private final int repeatedRows;

    // Built on first use; deterministic, so a benign race only builds it twice.
    private volatile List<TcpEntry> entries;

    private TcpSnapshot(boolean supported, String reason, ProcNetTcpParser p) {
        this.supported = supported;
        this.reason = reason;
        this.malformedLines = p.malformed;
        this.state = p.state;
        this.localHi = p.localHi;
        this.localLo = p.localLo;
        this.localPort = p.localPort;
        this.remoteHi = p.remoteHi;
        this.remoteLo = p.remoteLo;
        this.remotePort = p.remotePort;
        this.tx = p.tx;
        this.rx = p.rx;
        this.uid = p.uid;
        this.inode = p.inode;
        this.index = new int[Integer.highestOneBit(Math.max(4, p.size) * 2 - 1) << 1];
        this.size = dedupeAndIndex(p.size);
        this.repeatedRows = p.size - size;
        for (int i = 0; i < size; i++) {
            stateCounts[state[i]]++;
        }
    }

    static TcpSnapshot of(ProcNetTcpParser parsed, String reason) {
        return new TcpSnapshot(true, reason, parsed);
    }

    /**
     * A snapshot that holds no rows and reports {@code supported() == false}, for platforms or tests where the
     * table cannot be read.
     *
     * @param reason why the table is unavailable
     */
    public static TcpSnapshot unsupported(String reason) {
        return new TcpSnapshot(false, Objects.requireNonNull(reason, "reason"),
                new ProcNetTcpParser(java.nio.ByteOrder.nativeOrder()));
    }

    /** Whether the table was read; {@code false} means every count is 0 and every lookup is empty. */
    public boolean supported() {
        return supported;
    }

    /**
     * Why the snapshot is unsupported or partial (for example, a missing {@code tcp6} file); empty when both
     * files were read.
     */
    public String reason() {
        return reason;
    }

    /** Number of rows. */
    public int size() {
        return size;
    }

    /**
     * Number of rows the read listed more than once and that were merged into one: the kernel renders the
     * table a page per {@code read()}, and each page resumes at an offset inside a hash bucket, so on a busy
     * host one read repeats some rows (and skips others).
     */
    public int repeatedRows() {
        return repeatedRows;
    }

    /** Number of lines that were neither a header nor a valid row and were skipped. */
    public int malformedLines() {
        return malformedLines;
    }

    /** Number of rows in the given state. */
    public int count(TcpState s) {
        return stateCounts[s.code()];
    }

    /** Row count of every state, in declaration order, zeros included. */
    public Map<TcpState, Integer> countsByState() {
        EnumMap<TcpState, Integer> m = new EnumMap<>(TcpState.class);
        for (TcpState s : STATES) {
            m.put(s, stateCounts[s.code()]);
        }
        return Collections.unmodifiableMap(m);
    }

    /**
     * Rows in the given state whose <em>local</em> port is {@code localPort}: for a server port and
     * {@link TcpState#TIME_WAIT}, the TIME_WAIT the server holds.
     */
    public int countLocalPort(TcpState s, int localPort) {
        byte code = (byte) s.code();
        int n = 0;
        for (int i = 0; i < size; i++) {
            if (state[i] == code && this.localPort[i] == localPort) {
                n++;
            }
        }
        return n;
    }

    /**
     * Rows in the given state whose <em>remote</em> port is {@code remotePort}: for a server port and
     * {@link TcpState#TIME_WAIT}, the TIME_WAIT held by clients on this host.
     */
    public int countRemotePort(TcpState s, int remotePort) {
        byte code = (byte) s.code();
        int n = 0;
        for (int i = 0; i < size; i++) {
            if (state[i] == code && this.remotePort[i] == remotePort) {
                n++;
            }
        }
        return n;
    }

    /** Rows in the given state whose local port is marked in {@code ports} (indexed by port number). */
    int countLocalPortsIn(TcpState s, boolean[] ports) {
        byte code = (byte) s.code();
        int n = 0;
        for (int i = 0; i < size; i++) {
            if (state[i] == code && ports[localPort[i]]) {
                n++;
            }
        }
        return n;
    }

    /** The local ports with most rows in the given state, most first (ties: lower port first). */
    public List<PortCount> topLocalPorts(TcpState s, int limit) {
        return top(s, limit, localPort);
    }

    /** The remote ports with most rows in the given state, most first (ties: lower port first). */
    public List<PortCount> topRemotePorts(TcpState s, int limit) {
        return top(s, limit, remotePort);
    }

    private List<PortCount> top(TcpState s, int limit, int[] ports) {
        if (limit < 0) {
            throw new IllegalArgumentException("limit must be >= 0, got " + limit);
        }
        if (limit == 0 || size == 0) {
            return List.of();
        }
        byte code = (byte) s.code();
        int[] counts = new int[65536];
        int distinct = 0;
        for (int i = 0; i < size; i++) {
            if (state[i] == code && counts[ports[i]]++ == 0) {
                distinct++;
            }
        }
        long[] packed = new long[distinct];
        int k = 0;
        for (int port = 0; port < counts.length; port++) {
            if (counts[port] > 0) {
                // Larger count first, then lower port: sort ascending on (-count, port).
                packed[k++] = ((long) (Integer.MAX_VALUE - counts[port]) << 16) | port;
            }
        }
        Arrays.sort(packed);
        int n = Math.min(limit, distinct);
        List<PortCount> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            int port = (int) (packed[i] & 0xFFFF);
            out.add(new PortCount(port, counts[port]));
        }
        return Collections.unmodifiableList(out);
    }

    /**
     * Bytes in the send queue (not yet sent plus sent and not yet acknowledged) of the connection with this
     * 4-tuple; {@code 0} means the peer has acknowledged every byte. Empty when no row matches.
     */
    public OptionalLong txQueue(InetSocketAddress local, InetSocketAddress remote) {
        int i = indexOf(TupleKey.of(local, remote));
        return i < 0 ? OptionalLong.empty() : OptionalLong.of(tx[i]);
    }

    /** Bytes received and not yet read by the application on this 4-tuple; empty when no row matches. */
    public OptionalLong rxQueue(InetSocketAddress local, InetSocketAddress remote) {
        int i = indexOf(TupleKey.of(local, remote));
        return i < 0 ? OptionalLong.empty() : OptionalLong.of(rx[i]);
    }

    /** The row of this 4-tuple, if present. */
    public Optional<TcpEntry> entry(InetSocketAddress local, InetSocketAddress remote) {
        int i = indexOf(TupleKey.of(local, remote));
        return i < 0 ? Optional.empty() : Optional.of(entryAt(i));
    }

    /** All rows, IPv4 file first, in file order. */
    public List<TcpEntry> entries() {
        List<TcpEntry> e = entries;
        if (e == null) {
            TcpEntry[] arr = new TcpEntry[size];
            for (int i = 0; i < size; i++) {
                arr[i] = entryAt(i);
            }
            e = List.of(arr);
            entries = e;
        }
        return e;
    }

    private TcpEntry entryAt(int i) {
        return new TcpEntry(
                new InetSocketAddress(TupleKey.toAddress(localHi[i], localLo[i]), localPort[i]),
                new InetSocketAddress(TupleKey.toAddress(remoteHi[i], remoteLo[i]), remotePort[i]),
                TcpState.fromCode(state[i]), tx[i], rx[i], uid[i], inode[i]);
    }

    /** Send queue of row {@code i}. */
    long txAt(int i) {
        return tx[i];
    }

    /** Receive queue (bytes not yet read by the application) of row {@code i}. */
    long rxAt(int i) {
        return rx[i];
    }

    /** Row of the key, or -1. Rows are unique by 4-tuple (listeners sharing a port apart). */
    int indexOf(TupleKey k) {
        if (k == null || size == 0) {
            return -1;
        }
        int mask = index.length - 1;
        int slot = TupleKey.hash(k.localHi, k.localLo, k.localPort, k.remoteHi, k.remoteLo, k.remotePort) & mask;
        while (true) {
            int row = index[slot] - 1;
            if (row < 0) {
                return -1;
            }
            if (matches(row, k.localHi, k.localLo, k.localPort, k.remoteHi, k.remoteLo, k.remotePort)) {
                return row;
            }
            slot = (slot + 1) & mask;
        }
    }

    private boolean matches(int row, long lHi, long lLo, int lPort, long rHi, long rLo, int rPort) {
        return localPort[row] == lPort && remotePort[row] == rPort && localLo[row] == lLo && remoteLo[row] == rLo
                && localHi[row] == lHi && remoteHi[row] == rHi;
    }

    /**
     * Merges the rows of {@code rows} that name one socket, compacting the columns in place, fills
     * {@link #index} and returns the number of rows kept.
     *
     * <p>A connection's 4-tuple is in the kernel's established hash once, so two rows with one 4-tuple are the
     * same socket listed twice by a read that resumed inside a hash bucket (or, for a moment, a TIME_WAIT
     * socket and the connection that replaces it). The kept row is the live one over TIME_WAIT, else the one with
     * the larger send queue: an ack check must never see a smaller queue than the kernel holds. Listeners
     * sharing a port ({@code SO_REUSEPORT}) have one 4-tuple but are distinct sockets, so a LISTEN row merges
     * only with a row of the same inode.
     */
    private int dedupeAndIndex(int rows) {
        int mask = index.length - 1;
        byte listen = (byte) TcpState.LISTEN.code();
        int kept = 0;
        for (int i = 0; i < rows; i++) {
            int slot = TupleKey.hash(localHi[i], localLo[i], localPort[i], remoteHi[i], remoteLo[i], remotePort[i]) & mask;
            while (true) {
                int row = index[slot] - 1;
                if (row < 0) {
                    copyRow(i, kept);
                    index[slot] = ++kept;
                    break;
                }
                if (matches(row, localHi[i], localLo[i], localPort[i], remoteHi[i], remoteLo[i], remotePort[i])
                        && (state[row] != listen && state[i] != listen
                                || state[row] == listen && state[i] == listen && inode[row] == inode[i])) {
                    if (preferred(i, row)) {
                        copyRow(i, row);
                    }
                    break;
                }
                slot = (slot + 1) & mask;
            }
        }
        return kept;
    }

    /** Whether row {@code a} says more about the socket than row {@code b}: live over TIME_WAIT, then larger queue. */
    private boolean preferred(int a, int b) {
        byte tw = (byte) TcpState.TIME_WAIT.code();
        if ((state[a] == tw) != (state[b] == tw)) {
            return state[b] == tw;
        }
        return tx[a] > tx[b];
    }

    private void copyRow(int from, int to) {
        if (from == to) {
            return;
        }
        state[to] = state[from];
        localHi[to] = localHi[from];
        localLo[to] = localLo[from];
        localPort[to] = localPort[from];
        remoteHi[to] = remoteHi[from];
        remoteLo[to] = remoteLo[from];
        remotePort[to] = remotePort[from];
        tx[to] = tx[from];
        rx[to] = rx[from];
        uid[to] = uid[from];
        inode[to] = inode[from];
    }

    @Override
    public String toString() {
        if (!supported) {
            return "TcpSnapshot[unsupported: " + reason + "]";
        }
        StringBuilder sb = new StringBuilder("TcpSnapshot[rows=").append(size);
        for (TcpState s : STATES) {
            int n = stateCounts[s.code()];
            if (n > 0) {
                sb.append(", ").append(s).append('=').append(n);
            }
        }
        if (repeatedRows > 0) {
            sb.append(", repeated=").append(repeatedRows);
        }
        if (malformedLines > 0) {
            sb.append(", malformed=").append(malformedLines);
        }
        if (!reason.isEmpty()) {
            sb.append(", ").append(reason);
        }
        return sb.append(']').toString();
    }
}
