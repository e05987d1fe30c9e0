package org.closepolicy.testkit;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Objects;

/**
 * A fixed, endless byte stream that servers and clients generate independently and agree on, so bodies can be
 * verified by length and SHA-256 without shipping the expected bytes around.
 *
 * <p>Byte {@code i} of the stream depends only on {@code i} (a SplitMix64 hash of {@code i / 8} with a constant
 * seed), so any slice can be produced without generating what comes before it.
 * <pre>{@code
 * byte[] body = DeterministicBytes.generate(1_900);              // server side
 * String expected = DeterministicBytes.sha256Hex(1_900);         // client side, without the bytes
 * assert expected.equals(DeterministicBytes.sha256Hex(body));
 * DeterministicBytes.writeTo(out, 1_000_000);                      // stream a large body
 * }</pre>
 *
 * <p>Thread-safety: stateless; every method is safe from any thread.
 */
public final class DeterministicBytes {

    /** The constant seed of the stream. */
    public static final long SEED = 0x636C6F7365706F6CL;

    private DeterministicBytes() {
    }

    private static long block(long index) {
        long z = SEED + index * 0x9E3779B97F4A7C15L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /** Byte {@code position} of the stream. */
    public static byte byteAt(long position) {
        if (position < 0) {
            throw new IllegalArgumentException("position must be >= 0, got " + position);
        }
        return (byte) (block(position >>> 3) >>> ((position & 7) * 8));
    }

    /** The first {@code n} bytes of the stream. */
    public static byte[] generate(int n) {
        if (n < 0) {
            throw new IllegalArgumentException("n must be >= 0, got " + n);
        }
        byte[] b = new byte[n];
        fill(b, 0, n, 0);
        return b;
    }

    /** Fills {@code dst} with the stream starting at position 0. */
    public static void fill(byte[] dst) {
        fill(dst, 0, dst.length, 0);
    }

    /** Writes stream bytes {@code [position, position + len)} into {@code dst[off, off + len)}. */
    public static void fill(byte[] dst, int off, int len, long position) {
        Objects.checkFromIndexSize(off, len, dst.length);
        if (position < 0) {
            throw new IllegalArgumentException("position must be >= 0, got " + position);
        }
        int i = 0;
        while (i < len) {
            long p = position + i;
            long v = block(p >>> 3);
            for (int k = (int) (p & 7); k < 8 && i < len; k++, i++) {
                dst[off + i] = (byte) (v >>> (k * 8));
            }
        }
    }

    /** An input stream of the first {@code n} bytes. */
    public static InputStream stream(long n) {
        if (n < 0) {
            throw new IllegalArgumentException("n must be >= 0, got " + n);
        }
        return new InputStream() {
            private long position;

            @Override
            public int read() {
                return position < n ? byteAt(position++) & 0xFF : -1;
            }

            @Override
            public int read(byte[] b, int off, int len) {
                Objects.checkFromIndexSize(off, len, b.length);
                if (len == 0) {
                    return 0;
                }
                if (position >= n) {
                    return -1;
                }
                int k = (int) Math.min(len, n - position);
                fill(b, off, k, position);
                position += k;
                return k;
            }
        };
    }

    /** Writes the first {@code n} bytes to {@code out} in 64 KB pieces (does not flush or close). */
    public static void writeTo(OutputStream out, long n) throws IOException {
        byte[] buf = new byte[(int) Math.min(64 * 1024, Math.max(1, n))];
        for (long position = 0; position < n; ) {
            int k = (int) Math.min(buf.length, n - position);
            fill(buf, 0, k, position);
            out.write(buf, 0, k);
            position += k;
        }
    }

    /** SHA-256 of {@code data}, lower-case hex. */
    public static String sha256Hex(byte[] data) {
        return Sha256.hex(data);
    }

    /** SHA-256 of the first {@code n} bytes of the stream, lower-case hex, computed without holding them. */
    public static String sha256Hex(long n) {
        if (n < 0) {
            throw new IllegalArgumentException("n must be >= 0, got " + n);
        }
        Sha256 sha = new Sha256();
        byte[] buf = new byte[(int) Math.min(64 * 1024, Math.max(1, n))];
        for (long position = 0; position < n; ) {
            int k = (int) Math.min(buf.length, n - position);
            fill(buf, 0, k, position);
            sha.update(buf, 0, k);
            position += k;
        }
        return sha.hex();
    }
}
