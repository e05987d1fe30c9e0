package org.closepolicy.kernel;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Asks the kernel for one connection's send queue by its 4-tuple through the {@code sock_diag} netlink
 * interface ({@code NETLINK_SOCK_DIAG}, {@code SOCK_DIAG_BY_FAMILY}, exact match): a hash lookup in the kernel,
 * so its cost does not grow with the number of sockets on the host, unlike reading {@code /proc/net/tcp}.
 *
 * <p>The send queue is the kernel's {@code idiag_wqueue}, {@code write_seq - snd_una} (bytes not yet sent plus
 * sent and not yet acknowledged): the same number as {@code tx_queue} in {@code /proc/net/tcp}. IPv4 and
 * IPv4-mapped IPv6 4-tuples ({@code ::ffff:a.b.c.d}, dual-stack Java sockets) are found alike.
 *
 * <p>Needs Linux and JNA ({@code net.java.dev.jna:jna}, an optional dependency of core) on the class path.
 * {@link #isAvailable()} tells whether it works here; it is decided once per process by querying a loopback
 * connection of its own.
 * <pre>{@code
 * if (SockDiag.isAvailable()) {
 *     try (SockDiag diag = SockDiag.open()) {
 *         OptionalLong unacked = diag.sendQueue(localAddress, remoteAddress); // empty: no such connection
 *     }
 * }
 * }</pre>
 *
 * <p>Thread-safety: safe from any thread; calls on one instance are serialised (they share one netlink socket
 * and its buffers). Each instance holds one file descriptor until {@link #close()}.
 */
public final class SockDiag implements AutoCloseable {

    /** Requests sent in one datagram; the answers of one batch fit the socket's default receive buffer. */
    static final int BATCH = 32;
    private static final int ANSWER_BUFFER = 16 * 1024;
    private static final AtomicBoolean PROBE_STARTED = new AtomicBoolean();
    private static volatile Boolean decided;

    private final NetlinkChannel channel;
    private final ByteBuffer requests =
            ByteBuffer.allocateDirect(BATCH * SockDiagCodec.REQUEST_LEN).order(ByteOrder.nativeOrder());
    private final ByteBuffer answers = ByteBuffer.allocateDirect(ANSWER_BUFFER).order(ByteOrder.nativeOrder());
    private final boolean[] answered = new boolean[BATCH];
    private final TupleKey[] one = new TupleKey[1];
    private final long[] oneOut = new long[1];
    private int nextSeq = 1;
    private boolean closed;

    private SockDiag(NetlinkChannel channel) {
        this.channel = channel;
    }

    /**
     * Whether sock_diag queries work in this process (Linux, JNA present, and a self-test query answered).
     * The first call decides, which may take a moment (loading JNA, one loopback connection).
     */
    public static boolean isAvailable() {
        return Availability.REASON == null;
    }

    /** Why {@link #isAvailable()} is {@code false}; empty when it is available. */
    public static Optional<String> unavailableReason() {
        return Optional.ofNullable(Availability.REASON);
    }

    /**
     * Opens a netlink socket for queries.
     *
     * @throws IOException if sock_diag is not available here ({@link #unavailableReason()}) or the socket cannot
     *                     be opened
     */
    public static SockDiag open() throws IOException {
        String reason = Availability.REASON;
        if (reason != null) {
            throw new IOException("sock_diag unavailable: " + reason);
        }
        return openChannel();
    }

    /**
     * {@link #isAvailable()} once decided, else {@code null} after starting the decision on a daemon thread:
     * for callers that must not wait for it (the ack watcher reads the table meanwhile).
     */
    static Boolean availabilityIfDecided() {
        Boolean d = decided;
        if (d == null && PROBE_STARTED.compareAndSet(false, true)) {
            Thread t = new Thread(() -> decided = isAvailable(), "closepolicy-sock-diag-probe");
            t.setDaemon(true);
            t.start();
        }
        return decided;
    }

    private static SockDiag openChannel() throws IOException {
        return new SockDiag(NetlinkChannel.open());
    }

    /**
     * The send queue of the connection with this 4-tuple as the server's socket reports it; empty when the
     * kernel has no such connection.
     *
     * @throws IOException              on a netlink failure (nothing can be said about the connection then)
     * @throws IllegalArgumentException if an address carries no address bytes
     */
    public synchronized OptionalLong sendQueue(InetSocketAddress local, InetSocketAddress remote) throws IOException {
        Objects.requireNonNull(local, "local");
        Objects.requireNonNull(remote, "remote");
        TupleKey key = TupleKey.of(local, remote);
        if (key == null) {
            throw new IllegalArgumentException("addresses must carry address bytes: " + local + " -> " + remote);
        }
        one[0] = key;
        sendQueues(one, 1, oneOut);
        long q = oneOut[0];
        return q == SockDiagCodec.ABSENT ? OptionalLong.empty() : OptionalLong.of(Math.max(0, q));
    }

    /**
     * Fills {@code out[i]} with the send queue of {@code keys[i]} for {@code i < n}, or
     * {@link SockDiagCodec#ABSENT} when the kernel has no such connection, or {@link SockDiagCodec#UNREAD_INPUT}
     * when the send queue is empty and the receive queue is not. All or nothing: on an exception no
     * entry of {@code out} may be used.
     */
    synchronized void sendQueues(TupleKey[] keys, int n, long[] out) throws IOException {
        if (closed) {
            throw new IOException("sock_diag socket closed");
        }
        for (int from = 0; from < n; from += BATCH) {
            batch(keys, from, Math.min(BATCH, n - from), out);
        }
    }

    private void batch(TupleKey[] keys, int from, int count, long[] out) throws IOException {
        int base = nextSeq;
        // Sequence numbers never repeat within 2^31 batches, so a stale answer cannot pass for a fresh one.
        nextSeq = (nextSeq + BATCH) & Integer.MAX_VALUE;
        for (int i = 0; i < count; i++) {
            SockDiagCodec.encodeRequest(requests, i * SockDiagCodec.REQUEST_LEN, keys[from + i], base + i);
            answered[i] = false;
        }
        channel.send(requests, count * SockDiagCodec.REQUEST_LEN);
        int pendingAnswers = count;
        while (pendingAnswers > 0) {
            int received = channel.receive(answers);
            int pos = 0;
            while (pos < received) {
                int len = SockDiagCodec.messageLength(answers, pos, received - pos);
                int i = SockDiagCodec.sequence(answers, pos) - base;
                if (i < 0 || i >= count || answered[i]) {
                    throw new IOException("sock_diag: answer with unexpected sequence " + (i + base)
                            + " (expected " + base + ".." + (base + count - 1) + ")");
                }
                out[from + i] = SockDiagCodec.decodeAnswer(answers, pos, len, keys[from + i]);
                answered[i] = true;
                pendingAnswers--;
                pos += SockDiagCodec.aligned(len);
            }
        }
    }

    /** Closes the netlink socket. Idempotent. */
    @Override
    public synchronized void close() {
        if (!closed) {
            closed = true;
            channel.close();
        }
    }

    /** What this JVM lacks to call the kernel through JNA (Linux, JNA on the class path), or null. */
    static String missingLinuxOrJna() {
        if (!System.getProperty("os.name", "").toLowerCase(Locale.ROOT).startsWith("linux")) {
            return "not Linux";
        }
        try {
            Class.forName("com.sun.jna.Native", false, SockDiag.class.getClassLoader());
            return null;
        } catch (ClassNotFoundException | LinkageError e) {
            return "JNA (net.java.dev.jna:jna) is not on the class path";
        }
    }

    /** Decided once per process: can this JVM query sock_diag, and does the kernel answer as expected? */
    private static final class Availability {
        static final String REASON = probe();

        private Availability() {
        }

        private static String probe() {
            String missing = missingLinuxOrJna();
            if (missing != null) {
                return missing;
            }
            try {
                return selfTest();
            } catch (IOException | RuntimeException | LinkageError e) {
                return "sock_diag self-test failed: " + e;
            }
        }

        /** Queries a loopback connection of its own: present with an empty queue, then a 4-tuple that is absent. */
        private static String selfTest() throws IOException {
            InetAddress loopback = InetAddress.getLoopbackAddress();
            try (SockDiag diag = openChannel();
                 ServerSocket server = new ServerSocket(0, 1, loopback);
                 Socket client = new Socket(loopback, server.getLocalPort());
                 Socket accepted = server.accept()) {
                InetSocketAddress local = (InetSocketAddress) accepted.getLocalSocketAddress();
                InetSocketAddress remote = (InetSocketAddress) accepted.getRemoteSocketAddress();
                OptionalLong present = diag.sendQueue(local, remote);
                if (present.isEmpty() || present.getAsLong() != 0) {
                    return "self-test connection " + local + " -> " + remote + " answered " + present;
                }
                // Port 0 is never a peer's port; the kernel may answer with the listener, which must read as absent.
                OptionalLong absent = diag.sendQueue(local, new InetSocketAddress(remote.getAddress(), 0));
                if (absent.isPresent()) {
                    return "self-test absent 4-tuple answered " + absent;
                }
                client.close(); // the client closes first, so the TIME_WAIT of the test lands on its side
                return null;
            }
        }
    }
}
