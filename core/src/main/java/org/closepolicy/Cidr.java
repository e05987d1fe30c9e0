package org.closepolicy;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Arrays;
import org.closepolicy.internal.SpecValues;

/**
 * An IPv4 or IPv6 address block ({@code 10.0.0.0/8}, {@code fd00::/8}, {@code 192.0.2.7}).
 * An IPv4 block also matches IPv4-mapped IPv6 addresses ({@code ::ffff:10.1.2.3}).
 *
 * <pre>{@code
 * Cidr lan = Cidr.parse("10.0.0.0/8");
 * lan.matches(InetAddress.getByName("10.1.2.3")); // true
 * }</pre>
 *
 * <p>Thread-safety: immutable.
 */
public final class Cidr {

    private final byte[] network;
    private final int prefix;
    private final int v4Network;
    private final int v4Mask;
    private final String text;

    private Cidr(byte[] network, int prefix) {
        this.prefix = prefix;
        this.network = network.clone();
        // Zero the host bits so equal blocks compare equal.
        for (int i = 0; i < this.network.length; i++) {
            int bits = Math.max(0, Math.min(8, prefix - i * 8));
            this.network[i] &= (byte) (0xFF00 >> bits);
        }
        if (this.network.length == 4) {
            this.v4Network = toInt(this.network);
            this.v4Mask = prefix == 0 ? 0 : -1 << (32 - prefix);
        } else {
            this.v4Network = 0;
            this.v4Mask = 0;
        }
        try {
            this.text = InetAddress.getByAddress(this.network).getHostAddress() + "/" + prefix;
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Parses {@code address/prefix} or a single address (a /32 or /128 block). Only literal
     * addresses are accepted; host names are never resolved.
     *
     * @throws IllegalArgumentException naming the text and what is allowed
     */
    public static Cidr parse(String text) {
        return parse("cidr", text);
    }

    static Cidr parse(String key, String raw) {
        String allowed = "an IPv4 or IPv6 block such as 10.0.0.0/8 or fd00::/8";
        if (raw == null) {
            throw SpecValues.bad(key, "null", allowed);
        }
        String v = raw.trim();
        int slash = v.indexOf('/');
        String addr = slash < 0 ? v : v.substring(0, slash);
        byte[] bytes = addr.indexOf(':') >= 0 ? v6(addr) : v4(addr);
        if (bytes == null) {
            throw SpecValues.bad(key, raw, allowed);
        }
        if (addr.indexOf(':') >= 0 && bytes.length == 4) {
            // ::ffff:a.b.c.d literal: Java turns it into an IPv4 address; keep the prefix meaning of IPv6.
            if (slash >= 0) {
                int p = prefixOf(key, raw, v.substring(slash + 1), 128);
                if (p < 96) {
                    throw SpecValues.bad(key, raw, allowed);
                }
                return new Cidr(bytes, p - 96);
            }
        }
        int max = bytes.length * 8;
        int p = slash < 0 ? max : prefixOf(key, raw, v.substring(slash + 1), max);
        return new Cidr(bytes, p);
    }

    private static int prefixOf(String key, String raw, String s, int max) {
        try {
            int p = Integer.parseInt(s.trim());
            if (p < 0 || p > max || s.trim().startsWith("+")) {
                throw SpecValues.bad(key, raw, "a prefix length from 0 to " + max);
            }
            return p;
        } catch (NumberFormatException e) {
            throw SpecValues.bad(key, raw, "a prefix length from 0 to " + max);
        }
    }

    /**
     * A strict dotted quad: four decimal parts from 0 to 255 without leading zeros. Parsed here
     * because {@link InetAddress#getByName} treats anything else ({@code 300.1.1.1}, {@code 010.1.1.1})
     * as a host name and asks the resolver.
     */
    private static byte[] v4(String a) {
        byte[] out = new byte[4];
        int i = 0;
        int n = a.length();
        for (int part = 0; part < 4; part++) {
            int start = i;
            int value = 0;
            while (i < n && i - start < 3 && a.charAt(i) >= '0' && a.charAt(i) <= '9') {
                value = value * 10 + (a.charAt(i) - '0');
                i++;
            }
            int len = i - start;
            if (len == 0 || (len > 1 && a.charAt(start) == '0') || value > 255) {
                return null;
            }
            out[part] = (byte) value;
            if (part < 3) {
                if (i >= n || a.charAt(i) != '.') {
                    return null;
                }
                i++;
            }
        }
        return i == n ? out : null;
    }

    /** An IPv6 literal (hex digits, colons, an optional dotted IPv4 tail); a text with a colon is never looked up. */
    private static byte[] v6(String a) {
        for (int i = 0; i < a.length(); i++) {
            char c = a.charAt(i);
            boolean hex = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
            if (!(hex || c == ':' || c == '.')) {
                return null;
            }
        }
        try {
            return InetAddress.getByName(a).getAddress();
        } catch (UnknownHostException | SecurityException e) {
            return null;
        }
    }

    /** Whether the address lies in this block. Allocation-free for IPv4 addresses. */
    public boolean matches(InetAddress address) {
        if (address instanceof Inet4Address) {
            if (network.length != 4) {
                return false;
            }
            // Inet4Address.hashCode() is its 32-bit address: no copy of the bytes.
            return (address.hashCode() & v4Mask) == v4Network;
        }
        if (address instanceof Inet6Address) {
            byte[] a = address.getAddress();
            if (network.length == 4) {
                if (!isMapped(a)) {
                    return false;
                }
                int v = ((a[12] & 0xFF) << 24) | ((a[13] & 0xFF) << 16) | ((a[14] & 0xFF) << 8) | (a[15] & 0xFF);
                return (v & v4Mask) == v4Network;
            }
            return matchesBytes(a);
        }
        return false;
    }

    private boolean matchesBytes(byte[] a) {
        int full = prefix / 8;
        for (int i = 0; i < full; i++) {
            if (a[i] != network[i]) {
                return false;
            }
        }
        int rest = prefix % 8;
        if (rest == 0) {
            return true;
        }
        int mask = 0xFF00 >> rest;
        return (a[full] & mask) == (network[full] & mask);
    }

    /** An IPv4 (or IPv4-mapped IPv6) address as an unsigned 32-bit number; -1 for anything else. */
    static long ipv4(InetAddress address) {
        if (address instanceof Inet4Address) {
            return address.hashCode() & 0xFFFF_FFFFL;
        }
        if (address instanceof Inet6Address) {
            byte[] a = address.getAddress();
            if (isMapped(a)) {
                return (((a[12] & 0xFF) << 24) | ((a[13] & 0xFF) << 16) | ((a[14] & 0xFF) << 8) | (a[15] & 0xFF)) & 0xFFFF_FFFFL;
            }
        }
        return -1;
    }

    /**
     * Whether this IPv6 block contains the IPv4-mapped range {@code ::ffff:0:0/96}. Blocks inside that
     * range are IPv4 blocks (see {@link #parse}), so an IPv6 block contains either all or none of it.
     */
    boolean coversIpv4Mapped() {
        if (network.length != 16 || prefix > 96) {
            return false;
        }
        byte[] mapped = new byte[16];
        mapped[10] = (byte) 0xFF;
        mapped[11] = (byte) 0xFF;
        return matchesBytes(mapped);
    }

    /** Whether this is an IPv4 block. */
    boolean isIpv4() {
        return network.length == 4;
    }

    /** Whether an IPv4 address, as from {@link #ipv4}, lies in this IPv4 block. */
    boolean matchesIpv4(int address) {
        return network.length == 4 && (address & v4Mask) == v4Network;
    }

    int ipv4Network() {
        return v4Network;
    }

    int ipv4Mask() {
        return v4Mask;
    }

    private static boolean isMapped(byte[] a) {
        for (int i = 0; i < 10; i++) {
            if (a[i] != 0) {
                return false;
            }
        }
        return a[10] == (byte) 0xFF && a[11] == (byte) 0xFF;
    }

    private static int toInt(byte[] b) {
        return ((b[0] & 0xFF) << 24) | ((b[1] & 0xFF) << 16) | ((b[2] & 0xFF) << 8) | (b[3] & 0xFF);
    }

    /** The prefix length. */
    public int prefixLength() {
        return prefix;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Cidr c && c.prefix == prefix && Arrays.equals(c.network, network);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(network) * 31 + prefix;
    }

    /** The canonical text ({@code 10.0.0.0/8}), which {@link #parse} reads back. */
    @Override
    public String toString() {
        return text;
    }
}
