package org.closepolicy.kernel;

import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * Hand-written parser of the text of {@code /proc/net/tcp} and {@code /proc/net/tcp6}.
 *
 * <p>Row format (kernel {@code get_tcp4_sock}, {@code get_tcp6_sock}, time-wait and request variants):
 * <pre>
 *   sl  local_address rem_address   st tx_queue rx_queue tr tm-&gt;when retrnsmt   uid  timeout inode ...
 *    2: 0100007F:B5C4 0100007F:E187 01 00000000:00000000 00:00000000 00000000     0        0 3059 ...
 * </pre>
 * An IPv4 address is the 32-bit value in network order printed as a host-order integer; an IPv6 address is
 * four such 32-bit words. Ports and queues are plain hexadecimal. Everything after the inode is ignored.
 * Lines that do not match are counted as malformed and skipped.
 */
final class ProcNetTcpParser {

    private static final byte[] HEX = new byte[256];

    static {
        Arrays.fill(HEX, (byte) -1);
        for (int i = 0; i < 10; i++) {
            HEX['0' + i] = (byte) i;
        }
        for (int i = 0; i < 6; i++) {
            HEX['a' + i] = (byte) (10 + i);
            HEX['A' + i] = (byte) (10 + i);
        }
    }

    private final boolean littleEndian;

    // Columns, grown as rows are added.
    int size;
    byte[] state = new byte[64];
    long[] localHi = new long[64];
    long[] localLo = new long[64];
    int[] localPort = new int[64];
    long[] remoteHi = new long[64];
    long[] remoteLo = new long[64];
    int[] remotePort = new int[64];
    long[] tx = new long[64];
    long[] rx = new long[64];
    int[] uid = new int[64];
    long[] inode = new long[64];
    int malformed;

    // Scratch for one line.
    private int pos;
    private long addrHi;
    private long addrLo;
    private int addrLen;

    ProcNetTcpParser(ByteOrder hostOrder) {
        this.littleEndian = hostOrder == ByteOrder.LITTLE_ENDIAN;
    }

    /**
     * Parses the lines of {@code text[from, to)} and appends its rows. One pass: each row is parsed in place
     * (no token scans past a newline), then the rest of the line is skipped.
     */
    void parse(byte[] text, int from, int to) {
        pos = from;
        while (pos < to) {
            parseLine(text, to);
            while (pos < to && text[pos] != '\n') {
                pos++;
            }
            pos++;
        }
    }

    private void parseLine(byte[] b, int end) {
        skipSpaces(b, end);
        if (pos >= end || b[pos] == '\n') {
            return; // blank line
        }
        if (b[pos] == 's' && pos + 1 < end && b[pos + 1] == 'l') {
            return; // header
        }
        if (!parseRow(b, end)) {
            malformed++;
        }
    }

    private boolean parseRow(byte[] b, int end) {
        // sl: decimal followed by ':'
        int slStart = pos;
        while (pos < end && b[pos] >= '0' && b[pos] <= '9') {
            pos++;
        }
        if (pos == slStart || pos >= end || b[pos] != ':') {
            return false;
        }
        pos++;
        if (!skipSeparator(b, end) || !parseAddress(b, end)) {
            return false;
        }
        long lHi = addrHi;
        long lLo = addrLo;
        int lLen = addrLen;
        int lPort = parsePort(b, end);
        if (lPort < 0 || !skipSeparator(b, end) || !parseAddress(b, end) || addrLen != lLen) {
            return false;
        }
        int rPort = parsePort(b, end);
        if (rPort < 0 || !skipSeparator(b, end)) {
            return false;
        }
        long st = parseHex(b, end, 2);
        TcpState s = st < 0 ? null : TcpState.fromCode((int) st);
        if (s == null || !skipSeparator(b, end)) {
            return false;
        }
        long txq = parseHex(b, end, 16);
        if (txq < 0 || pos >= end || b[pos] != ':') {
            return false;
        }
        pos++;
        long rxq = parseHex(b, end, 16);
        if (rxq < 0 || !skipSeparator(b, end)) {
            return false;
        }
        // tr:tm->when, retrnsmt
        if (!skipToken(b, end) || !skipSeparator(b, end) || !skipToken(b, end) || !skipSeparator(b, end)) {
            return false;
        }
        long u = parseDecimal(b, end);
        if (u < 0 || u > 0xFFFF_FFFFL || !skipSeparator(b, end)) {
            return false;
        }
        // timeout
        if (!skipToken(b, end) || !skipSeparator(b, end)) {
            return false;
        }
        long ino = parseDecimal(b, end);
        if (ino < 0 || (pos < end && b[pos] != ' ' && b[pos] != '\t' && b[pos] != '\r' && b[pos] != '\n')) {
            return false;
        }
        add(s, lHi, lLo, lPort, addrHi, addrLo, rPort, txq, rxq, (int) u, ino);
        return true;
    }

    /** Parses 8 or 32 hex digits followed by ':' into addrHi/addrLo (network order, IPv4 mapped). */
    private boolean parseAddress(byte[] b, int end) {
        int start = pos;
        while (pos < end && HEX[b[pos] & 0xFF] >= 0) {
            pos++;
        }
        int len = pos - start;
        if (pos >= end || b[pos] != ':') {
            return false;
        }
        if (len == 8) {
            long v4 = word(b, start);
            addrHi = 0;
            addrLo = TupleKey.MAPPED_PREFIX | v4;
        } else if (len == 32) {
            addrHi = (word(b, start) << 32) | word(b, start + 8);
            addrLo = (word(b, start + 16) << 32) | word(b, start + 24);
        } else {
            return false;
        }
        addrLen = len;
        pos++; // ':'
        return true;
    }

    /** One 32-bit word printed in host order, returned in network order as an unsigned value. */
    private long word(byte[] b, int at) {
        int v = 0;
        for (int i = 0; i < 8; i++) {
            v = (v << 4) | HEX[b[at + i] & 0xFF];
        }
        if (littleEndian) {
            v = Integer.reverseBytes(v);
        }
        return v & 0xFFFF_FFFFL;
    }

    private int parsePort(byte[] b, int end) {
        long p = parseHex(b, end, 4);
        return p < 0 ? -1 : (int) p;
    }

    /** Hex number of 1..maxDigits digits at pos; -1 if none or too long. */
    private long parseHex(byte[] b, int end, int maxDigits) {
        int start = pos;
        long v = 0;
        while (pos < end) {
            int d = HEX[b[pos] & 0xFF];
            if (d < 0) {
                break;
            }
            v = (v << 4) | d;
            pos++;
        }
        int n = pos - start;
        return n == 0 || n > maxDigits ? -1 : v;
    }

    /** Unsigned decimal at pos (at most 18 digits); -1 if none. */
    private long parseDecimal(byte[] b, int end) {
        int start = pos;
        long v = 0;
        while (pos < end && b[pos] >= '0' && b[pos] <= '9') {
            v = v * 10 + (b[pos] - '0');
            pos++;
        }
        int n = pos - start;
        return n == 0 || n > 18 ? -1 : v;
    }

    private boolean skipToken(byte[] b, int end) {
        int start = pos;
        while (pos < end) {
            byte c = b[pos];
            if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
                break;
            }
            pos++;
        }
        return pos > start;
    }

    /** Skips at least one space; false at end of line or when no space follows. */
    private boolean skipSeparator(byte[] b, int end) {
        int start = pos;
        skipSpaces(b, end);
        return pos > start && pos < end && b[pos] != '\n';
    }

    private void skipSpaces(byte[] b, int end) {
        while (pos < end && (b[pos] == ' ' || b[pos] == '\t' || b[pos] == '\r')) {
            pos++;
        }
    }

    private void add(TcpState s, long lHi, long lLo, int lPort, long rHi, long rLo, int rPort,
                     long txq, long rxq, int u, long ino) {
        if (size == state.length) {
            int cap = size * 2;
            state = Arrays.copyOf(state, cap);
            localHi = Arrays.copyOf(localHi, cap);
            localLo = Arrays.copyOf(localLo, cap);
            localPort = Arrays.copyOf(localPort, cap);
            remoteHi = Arrays.copyOf(remoteHi, cap);
            remoteLo = Arrays.copyOf(remoteLo, cap);
            remotePort = Arrays.copyOf(remotePort, cap);
            tx = Arrays.copyOf(tx, cap);
            rx = Arrays.copyOf(rx, cap);
            uid = Arrays.copyOf(uid, cap);
            inode = Arrays.copyOf(inode, cap);
        }
        int i = size++;
        state[i] = (byte) s.code();
        localHi[i] = lHi;
        localLo[i] = lLo;
        localPort[i] = lPort;
        remoteHi[i] = rHi;
        remoteLo[i] = rLo;
        remotePort[i] = rPort;
        tx[i] = txq;
        rx[i] = rxq;
        uid[i] = u;
        inode[i] = ino;
    }
}
