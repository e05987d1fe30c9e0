package org.closepolicy.kernel;

import java.net.Inet4Address;
import java.net.InetSocketAddress;
import java.util.Locale;

/** Writes rows the way a little-endian Linux kernel writes {@code /proc/net/tcp{,6}}. */
final class ProcNetText {

    static final String HEADER4 = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt"
            + "   uid  timeout inode\n";
    static final String HEADER6 = "  sl  local_address                         remote_address                        st"
            + " tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n";

    private ProcNetText() {
    }

    static boolean isV4(InetSocketAddress a) {
        return a.getAddress() instanceof Inet4Address;
    }

    /** One row; both addresses IPv4 gives a tcp4 row, otherwise a tcp6 row (IPv4 written as mapped). */
    static String row(int sl, InetSocketAddress local, InetSocketAddress remote, TcpState st,
                      long tx, long rx, int uid, long inode, boolean v6) {
        return String.format(Locale.ROOT, "%4d: %s:%04X %s:%04X %02X %08X:%08X 00:00000000 00000000 %5d %8d %d 1 "
                        + "0000000000000000 20 4 30 10 -1\n",
                sl, hex(local, v6), local.getPort(), hex(remote, v6), remote.getPort(), st.code(), tx, rx,
                Integer.toUnsignedLong(uid), 0, inode);
    }

    /** Address in kernel text form: 32-bit words in network order printed as little-endian integers. */
    static String hex(InetSocketAddress a, boolean v6) {
        byte[] b = a.getAddress().getAddress();
        if (b.length == 4 && v6) {
            b = new byte[] {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, (byte) 0xFF, (byte) 0xFF, b[0], b[1], b[2], b[3]};
        }
        StringBuilder sb = new StringBuilder();
        for (int w = 0; w < b.length; w += 4) {
            for (int i = 3; i >= 0; i--) {
                sb.append(String.format(Locale.ROOT, "%02X", b[w + i] & 0xFF));
            }
        }
        return sb.toString();
    }
}
