package org.closepolicy.examples;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import org.closepolicy.testkit.DeterministicBytes;

/**
 * The bodies of {@code GET /bytes?n=N}: the testkit's {@link DeterministicBytes} stream, so every
 * test and client of the project can check them; byte {@code i} depends only on {@code i}, so a body
 * is produced in chunks and its SHA-256 computed without holding it.
 *
 * <p>Thread-safety: thread-safe (the digest cache is synchronized).
 */
final class Payloads {

    /** The largest body {@code /bytes} serves. */
    static final long MAX_BYTES = 1L << 30;

    static final int CHUNK = 64 * 1024;

    private static final Map<Long, String> SHA_CACHE = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Long, String> eldest) {
            return size() > 32;
        }
    };

    private Payloads() {
    }

    /** Fills {@code dst[0..len)} with the bytes at {@code offset..offset+len)}. */
    static void fill(long offset, byte[] dst, int len) {
        DeterministicBytes.fill(dst, 0, len, offset);
    }

    /** Hex SHA-256 of the first {@code n} bytes; recent answers are cached. */
    static String sha256Hex(long n) {
        synchronized (SHA_CACHE) {
            String cached = SHA_CACHE.get(n);
            if (cached != null) {
                return cached;
            }
        }
        String hex = DeterministicBytes.sha256Hex(n);
        synchronized (SHA_CACHE) {
            SHA_CACHE.put(n, hex);
        }
        return hex;
    }

    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required by every Java platform", e);
        }
    }

    static String hex(byte[] digest) {
        return HexFormat.of().formatHex(digest);
    }

    /**
     * Parses the {@code n} of {@code /bytes?n=N}.
     *
     * @throws IllegalArgumentException with a message fit for a 400 response
     */
    static long parseCount(String raw) {
        if (raw == null || raw.isEmpty()) {
            throw new IllegalArgumentException("missing n: use /bytes?n=N with 0 <= N <= " + MAX_BYTES);
        }
        long n;
        try {
            n = Long.parseLong(raw);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("n='" + raw + "' is not a whole number; use 0 <= N <= " + MAX_BYTES);
        }
        if (n < 0 || n > MAX_BYTES) {
            throw new IllegalArgumentException("n=" + n + " is out of range; use 0 <= N <= " + MAX_BYTES);
        }
        return n;
    }
}
