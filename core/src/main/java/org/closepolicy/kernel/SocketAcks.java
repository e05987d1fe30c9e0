package org.closepolicy.kernel;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.OptionalLong;

/**
 * Whether every byte written to one TCP socket is acknowledged, asked at once on the caller's thread (no
 * watcher, no tick): from the socket's own file descriptor where the transport exposes it (Netty's epoll
 * channels), {@code getsockopt(TCP_INFO)}, segments in flight ({@code tcpi_unacked}) plus bytes not yet sent
 * ({@code tcpi_notsent_bytes}, Linux 4.6+); else by the connection's 4-tuple, one exact {@code sock_diag} query
 * ({@link SockDiag}) for its send queue, about 10 µs of CPU in a loaded server: for a question that should not wait
 * for the {@link AckWatcher}'s next tick (whose batched queries cost less per socket, but keep the connection open
 * meanwhile).
 * <pre>{@code
 * long unacked = SocketAcks.unacknowledged(epollChannel.fd().intValue());   // or (localAddress, remoteAddress)
 * if (unacked == 0) { // every byte written so far is acknowledged: an RST loses nothing
 * }
 * }</pre>
 *
 * <p>Needs Linux and JNA ({@code net.java.dev.jna:jna}, an optional dependency of core); without them every
 * answer is {@code -1}. The 4-tuple queries share one netlink socket for the process, opened at the first query;
 * that first query also waits for {@link SockDiag#isAvailable()} to be decided (a self-test of a few ms, once).
 *
 * <p>Thread-safety: thread-safe (4-tuple queries are serialised on the shared socket); the caller keeps a
 * descriptor it passes open for the duration of the call.
 */
public final class SocketAcks {

    private static final int SOL_TCP = 6;
    private static final int TCP_INFO = 11;
    private static final int UNACKED_OFFSET = 24;
    private static final int NOTSENT_OFFSET = 144;
    /** Up to and including {@code tcpi_notsent_bytes}. */
    private static final int LENGTH = NOTSENT_OFFSET + 4;
    private static final int AF_INET = 2;
    private static final int AF_INET6 = 10;

    private SocketAcks() {
    }

    /** Whether this JVM can read {@code TCP_INFO} from a descriptor (Linux, 64-bit, JNA present). */
    public static boolean available() {
        return Availability.REASON == null;
    }

    /** Why {@link #available()} is false, or null when it is true. */
    public static String unavailableReason() {
        return Availability.REASON;
    }

    /**
     * What the socket still holds for its peer: {@code 0} when every byte written so far is acknowledged (none
     * in flight, none unsent); {@code > 0} the segments in flight plus the bytes not yet sent; {@code -1} when
     * it cannot be read (not available, not a TCP socket, a closed descriptor, a kernel older than 4.6).
     */
    public static long unacknowledged(int fd) {
        if (fd < 0 || !available()) {
            return -1;
        }
        byte[] info = new byte[LENGTH];
        int[] length = {LENGTH};
        if (Libc.getsockopt(fd, SOL_TCP, TCP_INFO, info, length) != 0 || length[0] < LENGTH) {
            return -1;
        }
        return u32(info, UNACKED_OFFSET) + u32(info, NOTSENT_OFFSET);
    }

    /**
     * The send queue of the connection with this 4-tuple, as its local socket reports it: {@code 0} when every
     * byte written so far is acknowledged, {@code > 0} the bytes not yet sent or acknowledged, {@code -1} when it
     * cannot be read (sock_diag not available or not decided yet, no such connection, a netlink failure).
     */
    public static long unacknowledged(InetSocketAddress local, InetSocketAddress remote) {
        SockDiag diag = Shared.diag();
        if (diag == null || local == null || remote == null || local.getAddress() == null || remote.getAddress() == null) {
            return -1;
        }
        try {
            OptionalLong queue = diag.sendQueue(local, remote);
            return queue.isPresent() ? queue.getAsLong() : -1;
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /** The process's netlink socket for 4-tuple queries, opened once sock_diag is known to work. */
    private static final class Shared {
        private static volatile SockDiag diag;
        private static volatile boolean failed;

        private Shared() {
        }

        static SockDiag diag() {
            SockDiag d = diag;
            // Decided once per process: the first ask waits for the self-test (a few ms) rather than answer "unknown".
            if (d != null || failed || !SockDiag.isAvailable()) {
                return d;
            }
            synchronized (Shared.class) {
                if (diag == null && !failed) {
                    try {
                        diag = SockDiag.open();
                    } catch (IOException | RuntimeException | LinkageError e) {
                        failed = true;
                    }
                }
                return diag;
            }
        }
    }

    /**
     * The local port of the socket with this descriptor ({@code getsockname}), or {@code -1} when it cannot be read
     * (not available, not an IPv4 or IPv6 socket, a closed descriptor). For an adapter that finds a descriptor
     * by other means than its framework's API, to check it names the socket it means before trusting its answers.
     */
    public static int localPort(int fd) {
        if (fd < 0 || !available()) {
            return -1;
        }
        byte[] address = new byte[128]; // sockaddr_storage
        int[] length = {address.length};
        if (Libc.getsockname(fd, address, length) != 0 || length[0] < 4) {
            return -1;
        }
        int family = (address[0] & 0xFF) | (address[1] & 0xFF) << 8;
        if (family != AF_INET && family != AF_INET6) {
            return -1;
        }
        return (address[2] & 0xFF) << 8 | (address[3] & 0xFF); // sin_port / sin6_port, network order
    }

    /** A native-order (little-endian on every 64-bit Linux JNA supports here: x86-64, aarch64) unsigned int. */
    private static long u32(byte[] b, int off) {
        return (b[off] & 0xFFL) | (b[off + 1] & 0xFFL) << 8 | (b[off + 2] & 0xFFL) << 16 | (b[off + 3] & 0xFFL) << 24;
    }

    /** Decided once per process. */
    private static final class Availability {
        static final String REASON = probe();

        private Availability() {
        }

        private static String probe() {
            String missing = SockDiag.missingLinuxOrJna();
            if (missing != null) {
                return missing;
            }
            String arch = System.getProperty("os.arch", "");
            if (!arch.equals("amd64") && !arch.equals("x86_64") && !arch.equals("aarch64")) {
                return "not x86-64 or aarch64 (" + arch + ")";
            }
            try {
                int[] length = {LENGTH};
                // A descriptor that is never open: the binding works when the kernel answers with an error.
                return Libc.getsockopt(-1, SOL_TCP, TCP_INFO, new byte[LENGTH], length) == -1 ? null
                        : "getsockopt on an invalid descriptor did not fail";
            } catch (RuntimeException | LinkageError e) {
                return "binding getsockopt failed: " + e;
            }
        }
    }

    /** libc, bound by direct mapping (no per-call reflection). */
    private static final class Libc {
        static {
            com.sun.jna.Native.register(Libc.class, com.sun.jna.NativeLibrary.getInstance(com.sun.jna.Platform.C_LIBRARY_NAME));
        }

        private Libc() {
        }

        static native int getsockopt(int fd, int level, int name, byte[] value, int[] length);

        static native int getsockname(int fd, byte[] address, int[] length);
    }
}
