package org.closepolicy.kernel;

import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Platform;
import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * A {@code NETLINK_SOCK_DIAG} socket bound through JNA's direct mapping of libc's {@code socket}, {@code send},
 * {@code recv} and {@code close}. Loaded only after JNA was found on the class path; no code of ours is
 * compiled natively.
 *
 * <p>Receives never block ({@code MSG_DONTWAIT}): the kernel answers exact sock_diag requests inside the
 * {@code send} call, so every answer is queued when {@code send} returns, and a missing one is an error rather
 * than a wait.
 *
 * <p>Thread-safety: not thread-safe; one thread at a time.
 */
final class NetlinkChannel implements AutoCloseable {

    private static final int AF_NETLINK = 16;
    private static final int SOCK_RAW = 3;
    private static final int SOCK_CLOEXEC = 0x80000;
    private static final int NETLINK_SOCK_DIAG = 4;
    private static final int MSG_TRUNC = 0x20;
    private static final int MSG_DONTWAIT = 0x40;
    private static final int EINTR = 4;
    private static final int EAGAIN = 11;

    private int fd;

    private NetlinkChannel(int fd) {
        this.fd = fd;
    }

    /** Opens the socket; fails on platforms where {@code size_t} is not 64 bits (the binding passes a Java long). */
    static NetlinkChannel open() throws IOException {
        if (!Platform.isLinux() || Native.SIZE_T_SIZE != 8) {
            throw new IOException("sock_diag needs 64-bit Linux (os " + System.getProperty("os.name")
                    + ", size_t " + Native.SIZE_T_SIZE + " bytes)");
        }
        int fd = Libc.socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
        if (fd < 0) {
            throw new IOException("socket(AF_NETLINK, NETLINK_SOCK_DIAG) failed: errno " + Native.getLastError());
        }
        return new NetlinkChannel(fd);
    }

    /** Sends {@code len} bytes from the start of the direct buffer as one datagram to the kernel. */
    void send(ByteBuffer direct, int len) throws IOException {
        while (true) {
            long n = Libc.send(fd, direct, len, 0);
            if (n == len) {
                return;
            }
            int errno = n < 0 ? Native.getLastError() : 0;
            if (errno != EINTR) {
                throw new IOException("sock_diag send of " + len + " bytes returned " + n + ", errno " + errno);
            }
        }
    }

    /**
     * Receives one datagram into the start of the direct buffer.
     *
     * @return its length
     * @throws IOException when nothing is queued, the datagram did not fit, or recv failed
     */
    int receive(ByteBuffer direct) throws IOException {
        int cap = direct.capacity();
        while (true) {
            long n = Libc.recv(fd, direct, cap, MSG_DONTWAIT | MSG_TRUNC);
            if (n > cap) {
                throw new IOException("sock_diag answer of " + n + " bytes truncated to " + cap);
            }
            if (n >= 0) {
                return (int) n;
            }
            int errno = Native.getLastError();
            if (errno == EAGAIN) {
                throw new IOException("sock_diag answer missing (nothing queued after the request)");
            }
            if (errno != EINTR) {
                throw new IOException("sock_diag recv failed: errno " + errno);
            }
        }
    }

    @Override
    public void close() {
        if (fd >= 0) {
            Libc.close(fd);
            fd = -1;
        }
    }

    /** libc, bound by direct mapping (no per-call reflection). */
    private static final class Libc {
        static {
            Native.register(Libc.class, NativeLibrary.getInstance(Platform.C_LIBRARY_NAME));
        }

        private Libc() {
        }

        static native int socket(int domain, int type, int protocol);

        static native long send(int fd, ByteBuffer buf, long len, int flags);

        static native long recv(int fd, ByteBuffer buf, long len, int flags);

        static native int close(int fd);
    }
}
