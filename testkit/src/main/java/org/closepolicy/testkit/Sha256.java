package org.closepolicy.testkit;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * Incremental SHA-256 with a byte count, for hashing bodies as they stream in.
 *
 * <pre>{@code
 * Sha256 sha = new Sha256();
 * for (int n; (n = in.read(buf)) > 0; ) sha.update(buf, 0, n);
 * System.out.println(sha.length() + " bytes, sha256 " + sha.hex());
 * }</pre>
 *
 * <p>Thread-safety: not thread-safe; one instance per stream. {@link #hex(byte[])} is safe from any thread.
 */
public final class Sha256 {

    private static final char[] HEX = "0123456789abcdef".toCharArray();

    private final MessageDigest digest;
    private long length;
    private String hex;

    /** A fresh hash over zero bytes. */
    public Sha256() {
        try {
            digest = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform must provide SHA-256", e);
        }
    }

    /** Adds {@code b[off, off + len)}. */
    public Sha256 update(byte[] b, int off, int len) {
        if (hex != null) {
            throw new IllegalStateException("hex() already called");
        }
        digest.update(b, off, len);
        length += len;
        return this;
    }

    /** Adds all of {@code b}. */
    public Sha256 update(byte[] b) {
        return update(b, 0, b.length);
    }

    /** Bytes added so far. */
    public long length() {
        return length;
    }

    /** The hash in lower-case hex; after this call the instance accepts no more bytes (repeat calls agree). */
    public String hex() {
        if (hex == null) {
            hex = toHex(digest.digest());
        }
        return hex;
    }

    /** SHA-256 of {@code data} in lower-case hex. */
    public static String hex(byte[] data) {
        return new Sha256().update(data).hex();
    }

    static String toHex(byte[] b) {
        char[] c = new char[b.length * 2];
        for (int i = 0; i < b.length; i++) {
            c[2 * i] = HEX[(b[i] >> 4) & 0xF];
            c[2 * i + 1] = HEX[b[i] & 0xF];
        }
        return new String(c);
    }
}
