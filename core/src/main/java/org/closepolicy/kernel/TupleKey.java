package org.closepolicy.kernel;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;

/**
 * A connection 4-tuple reduced to address bytes and ports, with IPv4 held in its IPv4-mapped IPv6 form
 * ({@code ::ffff:a.b.c.d}) so that rows of {@code tcp} and {@code tcp6} compare alike.
 */
final class TupleKey {

    static final long MAPPED_PREFIX = 0x0000_FFFF_0000_0000L;

    final long localHi;
    final long localLo;
    final int localPort;
    final long remoteHi;
    final long remoteLo;
    final int remotePort;

    TupleKey(long localHi, long localLo, int localPort, long remoteHi, long remoteLo, int remotePort) {
        this.localHi = localHi;
        this.localLo = localLo;
        this.localPort = localPort;
        this.remoteHi = remoteHi;
        this.remoteLo = remoteLo;
        this.remotePort = remotePort;
    }

    /**
     * The key of a 4-tuple, or {@code null} when an address has no address bytes (an unresolved host
     * name that is not a literal).
     */
    static TupleKey of(InetSocketAddress local, InetSocketAddress remote) {
        InetAddress l = addressOf(local);
        InetAddress r = addressOf(remote);
        if (l == null || r == null) {
            return null;
        }
        long[] lw = words(l);
        long[] rw = words(r);
        return new TupleKey(lw[0], lw[1], local.getPort(), rw[0], rw[1], remote.getPort());
    }

    /** Address bytes of a socket address, resolving only literals; {@code null} otherwise. */
    static InetAddress addressOf(InetSocketAddress a) {
        if (a == null) {
            return null;
        }
        InetAddress addr = a.getAddress();
        if (addr != null) {
            return addr;
        }
        String host = a.getHostString();
        if (!isLiteral(host)) {
            return null;
        }
        try {
            // A literal is parsed without any name service lookup.
            return InetAddress.getByName(host);
        } catch (UnknownHostException | SecurityException e) {
            return null;
        }
    }

    private static boolean isLiteral(String host) {
        if (host == null || host.isEmpty()) {
            return false;
        }
        if (host.indexOf(':') >= 0) {
            return true;
        }
        for (int i = 0; i < host.length(); i++) {
            char c = host.charAt(i);
            if (c != '.' && (c < '0' || c > '9')) {
                return false;
            }
        }
        return true;
    }

    /** The two 64-bit words (network byte order) of an address, IPv4 mapped into IPv6. */
    static long[] words(InetAddress a) {
        byte[] b = a.getAddress();
        if (a instanceof Inet4Address || b.length == 4) {
            long v4 = ((b[0] & 0xFFL) << 24) | ((b[1] & 0xFFL) << 16) | ((b[2] & 0xFFL) << 8) | (b[3] & 0xFFL);
            return new long[] {0L, MAPPED_PREFIX | v4};
        }
        long hi = 0;
        long lo = 0;
        for (int i = 0; i < 8; i++) {
            hi = (hi << 8) | (b[i] & 0xFFL);
            lo = (lo << 8) | (b[i + 8] & 0xFFL);
        }
        return new long[] {hi, lo};
    }

    /** Builds an address from two words; IPv4-mapped words give an IPv4 address. */
    static InetAddress toAddress(long hi, long lo) {
        try {
            if (hi == 0 && (lo >>> 32) == 0xFFFFL) {
                int v4 = (int) lo;
                return InetAddress.getByAddress(null, new byte[] {
                    (byte) (v4 >>> 24), (byte) (v4 >>> 16), (byte) (v4 >>> 8), (byte) v4});
            }
            byte[] b = new byte[16];
            for (int i = 0; i < 8; i++) {
                b[i] = (byte) (hi >>> (56 - 8 * i));
                b[i + 8] = (byte) (lo >>> (56 - 8 * i));
            }
            return InetAddress.getByAddress(null, b);
        } catch (UnknownHostException e) {
            throw new AssertionError("fixed-length address rejected", e);
        }
    }

    static int hash(long lHi, long lLo, int lPort, long rHi, long rLo, int rPort) {
        long h = lHi * 0x9E3779B97F4A7C15L;
        h = (h ^ lLo) * 0x9E3779B97F4A7C15L;
        h = (h ^ rHi) * 0x9E3779B97F4A7C15L;
        h = (h ^ rLo) * 0x9E3779B97F4A7C15L;
        h = (h ^ (((long) lPort << 16) | rPort)) * 0x9E3779B97F4A7C15L;
        return (int) (h ^ (h >>> 32));
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TupleKey k && k.localHi == localHi && k.localLo == localLo && k.localPort == localPort
                && k.remoteHi == remoteHi && k.remoteLo == remoteLo && k.remotePort == remotePort;
    }

    @Override
    public int hashCode() {
        return hash(localHi, localLo, localPort, remoteHi, remoteLo, remotePort);
    }

    @Override
    public String toString() {
        return new InetSocketAddress(toAddress(localHi, localLo), localPort) + " -> "
                + new InetSocketAddress(toAddress(remoteHi, remoteLo), remotePort);
    }
}
