package org.closepolicy.kernel;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.Random;

/** A large, realistic-looking tcp4 table: a server on 8080 with TIME_WAIT and established clients. */
final class SyntheticTable {

    private SyntheticTable() {
    }

    /** Every third row is a TIME_WAIT with local port 8080. */
    static int expectedServerTimeWait(int rows) {
        return (rows + 2) / 3;
    }

    static String text(int rows, long seed) {
        Random rnd = new Random(seed);
        StringBuilder sb = new StringBuilder(rows * 160).append(ProcNetText.HEADER4);
        try {
            InetSocketAddress server = new InetSocketAddress(InetAddress.getByName("10.1.2.3"), 8080);
            for (int i = 0; i < rows; i++) {
                byte[] ip = {10, (byte) rnd.nextInt(256), (byte) rnd.nextInt(256), (byte) (1 + rnd.nextInt(254))};
                InetSocketAddress client = new InetSocketAddress(InetAddress.getByAddress(ip), 32768 + i % 28000);
                TcpState st = i % 3 == 0 ? TcpState.TIME_WAIT : TcpState.ESTABLISHED;
                sb.append(ProcNetText.row(i, server, client, st, rnd.nextInt(4) == 0 ? rnd.nextInt(100000) : 0,
                        0, 1000, st == TcpState.TIME_WAIT ? 0 : 100000 + i, false));
            }
        } catch (UnknownHostException e) {
            throw new AssertionError(e);
        }
        return sb.toString();
    }
}
