package org.closepolicy.kernel;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.HexFormat;

/** Builds sock_diag messages as the kernel would, for codec tests (little-endian host). */
final class SockDiagMessages {

    static final int ESTABLISHED = 1;

    private SockDiagMessages() {
    }

    static ByteBuffer buffer(int size) {
        return ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
    }

    static ByteBuffer request(TupleKey key, int seq) {
        ByteBuffer b = buffer(SockDiagCodec.REQUEST_LEN);
        SockDiagCodec.encodeRequest(b, 0, key, seq);
        return b;
    }

    static String hex(ByteBuffer b, int len) {
        byte[] bytes = new byte[len];
        for (int i = 0; i < len; i++) {
            bytes[i] = b.get(i);
        }
        return HexFormat.of().formatHex(bytes);
    }

    static ByteBuffer fromHex(String hex) {
        byte[] bytes = HexFormat.of().parseHex(hex.replace(" ", ""));
        ByteBuffer b = buffer(bytes.length);
        b.put(bytes).clear();
        return b;
    }

    /**
     * The kernel's answer to {@code request}: an inet_diag_msg carrying the request's socket id, the given family,
     * state and send queue, followed by one 8-byte attribute as recent kernels add ({@code INET_DIAG_SHUTDOWN}).
     */
    static ByteBuffer answer(ByteBuffer request, int family, int state, long wqueue) {
        int len = SockDiagCodec.NLMSG_HDRLEN + SockDiagCodec.DIAG_MSG_LEN + 8;
        ByteBuffer a = buffer(len);
        a.putInt(0, len);
        a.putShort(4, (short) SockDiagCodec.SOCK_DIAG_BY_FAMILY);
        a.putShort(6, (short) 2); // NLM_F_MULTI is not set on exact answers; any flags are ignored
        a.putInt(8, request.getInt(8));
        a.putInt(12, 4242);
        a.put(16, (byte) family);
        a.put(17, (byte) state);
        for (int i = 0; i < 48; i++) {
            a.put(20 + i, request.get(24 + i)); // inet_diag_sockid, as asked
        }
        a.putInt(16 + 60, (int) wqueue);
        a.putInt(16 + 64, 1000);
        a.putInt(16 + 68, 123456);
        a.putShort(88, (short) 5);
        a.putShort(90, (short) 8); // INET_DIAG_SHUTDOWN
        return a;
    }

    /** An NLMSG_ERROR answer for the request with the given errno. */
    static ByteBuffer error(ByteBuffer request, int errno) {
        int len = SockDiagCodec.NLMSG_HDRLEN + 4 + SockDiagCodec.NLMSG_HDRLEN;
        ByteBuffer a = buffer(len);
        a.putInt(0, len);
        a.putShort(4, (short) SockDiagCodec.NLMSG_ERROR);
        a.putInt(8, request.getInt(8));
        a.putInt(16, -errno);
        for (int i = 0; i < SockDiagCodec.NLMSG_HDRLEN; i++) {
            a.put(20 + i, request.get(i));
        }
        return a;
    }
}
