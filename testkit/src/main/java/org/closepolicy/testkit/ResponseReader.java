package org.closepolicy.testkit;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/**
 * Buffered socket input of a {@link RawHttpClient} with the slow-reader behaviour (read size, delay after each read).
 *
 * <p>Thread-safety: not thread-safe; one connection's reading thread uses it.
 */
final class ResponseReader {
    private static final int MAX_LINE = 64 * 1024;

    private final InputStream in;
    private final byte[] buf;
    private final long readDelayNanos;
    private long firstReadDelayNanos;
    private int pos;
    private int lim;
    boolean eof;

    ResponseReader(InputStream in, int readChunk, long readDelayNanos, long firstReadDelayNanos) {
        this.in = in;
        this.buf = new byte[readChunk];
        this.readDelayNanos = readDelayNanos;
        this.firstReadDelayNanos = firstReadDelayNanos;
    }

    private boolean fill() throws IOException {
        if (eof) {
            return false;
        }
        if (firstReadDelayNanos > 0) {
            pause(firstReadDelayNanos); // the busy client being simulated
            firstReadDelayNanos = 0;
        }
        int n = in.read(buf, 0, buf.length);
        if (n < 0) {
            eof = true;
            return false;
        }
        pos = 0;
        lim = n;
        if (readDelayNanos > 0) {
            pause(readDelayNanos); // the slow reader being simulated
        }
        return true;
    }

    static void pause(long nanos) throws InterruptedIOException {
        try {
            TimeUnit.NANOSECONDS.sleep(nanos);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while pacing reads");
        }
    }

    /** A line without its CR LF; {@code null} at EOF before any byte of it. */
    String readLine() throws IOException {
        StringBuilder sb = null;
        while (true) {
            if (pos == lim && !fill()) {
                if (sb == null) {
                    return null;
                }
                throw new IOException("EOF inside a line: " + abbreviate(sb.toString()));
            }
            int start = pos;
            while (pos < lim && buf[pos] != '\n') {
                pos++;
            }
            if (sb == null) {
                sb = new StringBuilder();
            }
            sb.append(new String(buf, start, pos - start, StandardCharsets.ISO_8859_1));
            if (sb.length() > MAX_LINE) {
                throw new IOException("line longer than " + MAX_LINE + " bytes");
            }
            if (pos < lim) {
                pos++; // '\n'
                int len = sb.length();
                if (len > 0 && sb.charAt(len - 1) == '\r') {
                    sb.setLength(len - 1);
                }
                return sb.toString();
            }
        }
    }

    /** Copies up to {@code n} body bytes into {@code p}; returns how many (fewer only at EOF). */
    long copy(long n, PartialResponse p) throws IOException {
        long done = 0;
        while (done < n) {
            if (pos == lim && !fill()) {
                break;
            }
            int k = (int) Math.min(lim - pos, n - done);
            p.accept(buf, pos, k);
            pos += k;
            done += k;
        }
        return done;
    }

    /** Reads and discards until EOF or {@code max} bytes; returns the count. */
    long drain(long max) throws IOException {
        long done = 0;
        while (done < max) {
            if (pos == lim && !fill()) {
                break;
            }
            int k = (int) Math.min(lim - pos, max - done);
            pos += k;
            done += k;
        }
        return done;
    }

    /** {@code s}, cut to 80 characters for an error message. */
    static String abbreviate(String s) {
        return s.length() <= 80 ? s : s.substring(0, 80) + "...";
    }
}
