package org.closepolicy.kernel;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * Encodes {@code SOCK_DIAG_BY_FAMILY} exact-match requests ({@code struct nlmsghdr} + {@code struct
 * inet_diag_req_v2}) and decodes the kernel's answers ({@code struct inet_diag_msg} or {@code NLMSG_ERROR}).
 *
 * <p>Layouts from the kernel's {@code include/uapi/linux/netlink.h}, {@code sock_diag.h} and {@code inet_diag.h}:
 * netlink header fields are in host byte order, ports and addresses in network byte order. The buffers passed
 * in must be in {@link java.nio.ByteOrder#nativeOrder()}.
 *
 * <p>An exact query looks the 4-tuple up with {@code inet_lookup}, which falls back to the listening socket of
 * the local port when no connection matches; an answer whose state, ports or addresses differ from the
 * question therefore counts as absent, never as a send queue.
 *
 * <p>Thread-safety: stateless, safe from any thread.
 */
final class SockDiagCodec {

    /** Send queue value meaning "no such connection". */
    static final long ABSENT = -1;
    /**
     * Send queue value meaning "every byte sent is acknowledged, but the receive queue holds bytes the
     * application has not read": an RST now would throw them away (a request crossing the close), so it is no
     * proof for an RST. The kernel counts an unread FIN as one byte of it.
     */
    static final long UNREAD_INPUT = -2;

    static final int NLMSG_HDRLEN = 16;
    static final int REQUEST_LEN = NLMSG_HDRLEN + 56;
    static final int DIAG_MSG_LEN = 72;
    static final int NLMSG_ERROR = 2;
    static final int SOCK_DIAG_BY_FAMILY = 20;
    static final int NLM_F_REQUEST = 1;
    static final int AF_INET = 2;
    static final int AF_INET6 = 10;
    static final int IPPROTO_TCP = 6;
    static final int TCP_LISTEN = 10;
    static final int ENOENT = 2;

    // Offsets inside inet_diag_msg, from the start of the netlink message.
    private static final int MSG_FAMILY = NLMSG_HDRLEN;
    private static final int MSG_STATE = NLMSG_HDRLEN + 1;
    private static final int MSG_SPORT = NLMSG_HDRLEN + 4;
    private static final int MSG_DPORT = NLMSG_HDRLEN + 6;
    private static final int MSG_SRC = NLMSG_HDRLEN + 8;
    private static final int MSG_DST = NLMSG_HDRLEN + 24;
    private static final int MSG_RQUEUE = NLMSG_HDRLEN + 56;
    private static final int MSG_WQUEUE = NLMSG_HDRLEN + 60;

    private SockDiagCodec() {
    }

    /** Whether both addresses of the key are IPv4 (held as IPv4-mapped IPv6). */
    static boolean isIpv4(TupleKey k) {
        return isMapped(k.localHi, k.localLo) && isMapped(k.remoteHi, k.remoteLo);
    }

    private static boolean isMapped(long hi, long lo) {
        return hi == 0 && (lo >>> 32) == 0xFFFFL;
    }

    /**
     * Writes one exact-match request for {@code key} at {@code off} ({@link #REQUEST_LEN} bytes). IPv4 and
     * IPv4-mapped tuples are asked as {@code AF_INET}: the kernel finds IPv4 sockets and dual-stack IPv6 sockets
     * with mapped addresses by the same lookup.
     */
    static void encodeRequest(ByteBuffer buf, int off, TupleKey key, int seq) {
        buf.putInt(off, REQUEST_LEN);
        buf.putShort(off + 4, (short) SOCK_DIAG_BY_FAMILY);
        buf.putShort(off + 6, (short) NLM_F_REQUEST);
        buf.putInt(off + 8, seq);
        buf.putInt(off + 12, 0);
        boolean v4 = isIpv4(key);
        int r = off + NLMSG_HDRLEN;
        buf.put(r, (byte) (v4 ? AF_INET : AF_INET6));
        buf.put(r + 1, (byte) IPPROTO_TCP);
        buf.put(r + 2, (byte) 0); // no extensions: the header already carries the send queue
        buf.put(r + 3, (byte) 0);
        buf.putInt(r + 4, -1); // every state; an exact lookup ignores it
        putPort(buf, r + 8, key.localPort);
        putPort(buf, r + 10, key.remotePort);
        putAddress(buf, r + 12, v4, key.localHi, key.localLo);
        putAddress(buf, r + 28, v4, key.remoteHi, key.remoteLo);
        buf.putInt(r + 44, 0); // any interface
        buf.putInt(r + 48, -1); // INET_DIAG_NOCOOKIE
        buf.putInt(r + 52, -1);
    }

    private static void putPort(ByteBuffer buf, int at, int port) {
        buf.put(at, (byte) (port >>> 8));
        buf.put(at + 1, (byte) port);
    }

    private static void putAddress(ByteBuffer buf, int at, boolean v4, long hi, long lo) {
        if (v4) {
            putWord(buf, at, lo & 0xFFFF_FFFFL, 4);
            for (int i = 4; i < 16; i++) {
                buf.put(at + i, (byte) 0);
            }
        } else {
            putWord(buf, at, hi, 8);
            putWord(buf, at + 8, lo, 8);
        }
    }

    private static void putWord(ByteBuffer buf, int at, long value, int bytes) {
        for (int i = 0; i < bytes; i++) {
            buf.put(at + i, (byte) (value >>> (8 * (bytes - 1 - i))));
        }
    }

    /**
     * Length of the netlink message at {@code off}, checked against the {@code available} bytes.
     *
     * @throws IOException if the header is cut or claims more bytes than were received
     */
    static int messageLength(ByteBuffer buf, int off, int available) throws IOException {
        if (available < NLMSG_HDRLEN) {
            throw new IOException("sock_diag: truncated netlink header (" + available + " bytes)");
        }
        int len = buf.getInt(off);
        if (len < NLMSG_HDRLEN || len > available) {
            throw new IOException("sock_diag: netlink message length " + len + " with " + available + " bytes received");
        }
        return len;
    }

    /** Sequence number of the message at {@code off}. */
    static int sequence(ByteBuffer buf, int off) {
        return buf.getInt(off + 8);
    }

    /** Bytes from one message to the next (NLMSG_ALIGN). */
    static int aligned(int len) {
        return (len + 3) & ~3;
    }

    /**
     * The send queue of {@code key} as answered by the message at {@code off} of length {@code len}, or
     * {@link #ABSENT} when the kernel has no such connection (ENOENT, or it answered with another socket), or
     * {@link #UNREAD_INPUT} when the send queue is empty and the receive queue is not ({@code idiag_rqueue} of a
     * connection is {@code rcv_nxt - copied_seq}, bytes received and not yet read, in {@code tcp_diag_get_info}).
     *
     * @throws IOException on a netlink error other than ENOENT, a truncated answer or an unexpected type
     */
    static long decodeAnswer(ByteBuffer buf, int off, int len, TupleKey key) throws IOException {
        int type = buf.getShort(off + 4) & 0xFFFF;
        if (type == NLMSG_ERROR) {
            if (len < NLMSG_HDRLEN + 4) {
                throw new IOException("sock_diag: truncated error message (" + len + " bytes)");
            }
            int errno = -buf.getInt(off + NLMSG_HDRLEN);
            if (errno == ENOENT) {
                return ABSENT;
            }
            throw new IOException("sock_diag: kernel answered errno " + errno + " for " + key);
        }
        if (type != SOCK_DIAG_BY_FAMILY) {
            throw new IOException("sock_diag: unexpected netlink message type " + type);
        }
        if (len < NLMSG_HDRLEN + DIAG_MSG_LEN) {
            throw new IOException("sock_diag: truncated inet_diag_msg (" + len + " bytes)");
        }
        int state = buf.get(off + MSG_STATE) & 0xFF;
        if (state == TCP_LISTEN || port(buf, off + MSG_SPORT) != key.localPort
                || port(buf, off + MSG_DPORT) != key.remotePort) {
            return ABSENT;
        }
        int family = buf.get(off + MSG_FAMILY) & 0xFF;
        if (!sameAddress(buf, off + MSG_SRC, family, key.localHi, key.localLo)
                || !sameAddress(buf, off + MSG_DST, family, key.remoteHi, key.remoteLo)) {
            return ABSENT;
        }
        return queueState(buf.getInt(off + MSG_WQUEUE) & 0xFFFF_FFFFL, buf.getInt(off + MSG_RQUEUE) & 0xFFFF_FFFFL);
    }

    /** The send queue, or {@link #UNREAD_INPUT} when it is empty while unread bytes wait in the receive queue. */
    static long queueState(long sendQueue, long receiveQueue) {
        return sendQueue == 0 && receiveQueue > 0 ? UNREAD_INPUT : sendQueue;
    }

    private static int port(ByteBuffer buf, int at) {
        return ((buf.get(at) & 0xFF) << 8) | (buf.get(at + 1) & 0xFF);
    }

    private static boolean sameAddress(ByteBuffer buf, int at, int family, long hi, long lo) {
        if (family == AF_INET) {
            return isMapped(hi, lo) && word(buf, at, 4) == (lo & 0xFFFF_FFFFL);
        }
        if (family == AF_INET6) {
            return word(buf, at, 8) == hi && word(buf, at + 8, 8) == lo;
        }
        return false;
    }

    private static long word(ByteBuffer buf, int at, int bytes) {
        long v = 0;
        for (int i = 0; i < bytes; i++) {
            v = (v << 8) | (buf.get(at + i) & 0xFFL);
        }
        return v;
    }
}
