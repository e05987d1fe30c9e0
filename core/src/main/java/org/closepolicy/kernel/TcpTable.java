package org.closepolicy.kernel;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Arrays;
import java.util.Locale;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Reads the kernel's TCP socket table ({@code /proc/net/tcp} and {@code /proc/net/tcp6}) into a
 * {@link TcpSnapshot}.
 *
 * <pre>{@code
 * TcpSnapshot s = TcpTable.system().snapshot();
 * if (s.supported()) {
 *     System.out.println("server TIME_WAIT: " + s.countLocalPort(TcpState.TIME_WAIT, 8080));
 * } else {
 *     System.out.println("no TCP table: " + s.reason());
 * }
 * }</pre>
 *
 * <p>Reading the table costs milliseconds (the kernel renders the text and walks its hash tables), so it is
 * meant for diagnosis, periodic load samples and batched ack checks ({@link AckWatcher}), never for a
 * per-connection call on an event loop. {@link #snapshot()} never throws: a missing or unreadable table yields
 * an unsupported snapshot.
 *
 * <p>Thread-safety: safe from any thread; concurrent {@link #snapshot()} calls on one instance are serialised
 * (they share a read buffer).
 */
public final class TcpTable {

    private static final Path PROC_TCP4 = Paths.get("/proc/net/tcp");
    private static final Path PROC_TCP6 = Paths.get("/proc/net/tcp6");
    private static final int INITIAL_BUFFER = 64 * 1024;
    private static final int MAX_RETAINED_BUFFER = 8 * 1024 * 1024;
    private static final TcpTable SYSTEM = new TcpTable(PROC_TCP4, PROC_TCP6, true);

    private final Path tcp4;
    private final Path tcp6;
    private final boolean requireLinux;
    private final ReentrantLock lock = new ReentrantLock();
    private byte[] buffer = new byte[INITIAL_BUFFER];

    private TcpTable(Path tcp4, Path tcp6, boolean requireLinux) {
        this.tcp4 = tcp4;
        this.tcp6 = tcp6;
        this.requireLinux = requireLinux;
    }

    /** The table of this machine's kernel ({@code /proc/net/tcp} and {@code /proc/net/tcp6}). */
    public static TcpTable system() {
        return SYSTEM;
    }

    /**
     * A table read from the given files, each in the kernel's text format; either may be {@code null}
     * (treated as absent).
     */
    public static TcpTable of(Path tcp4, Path tcp6) {
        return new TcpTable(tcp4, tcp6, false);
    }

    /**
     * Parses table text as this machine's kernel writes it (addresses in host byte order). Either text may be
     * {@code null} or empty. The result is always supported.
     */
    public static TcpSnapshot parse(String tcp4Text, String tcp6Text) {
        return parse(tcp4Text, tcp6Text, ByteOrder.nativeOrder());
    }

    /** Parses table text written by a kernel with the given byte order. */
    static TcpSnapshot parse(String tcp4Text, String tcp6Text, ByteOrder hostOrder) {
        ProcNetTcpParser p = new ProcNetTcpParser(hostOrder);
        for (String text : new String[] {tcp4Text, tcp6Text}) {
            if (text != null) {
                byte[] b = text.getBytes(StandardCharsets.ISO_8859_1);
                p.parse(b, 0, b.length);
            }
        }
        return TcpSnapshot.of(p, "");
    }

    /**
     * Reads both files and parses them. Never throws: when neither file can be read (not Linux, no
     * {@code /proc}, permissions) the snapshot is unsupported and {@link TcpSnapshot#reason()} says why; when only
     * one can be read (for example IPv6 disabled) the snapshot holds that file's rows and the reason names the
     * missing one.
     */
    public TcpSnapshot snapshot() {
        try {
            if (requireLinux) {
                String os = System.getProperty("os.name", "");
                if (!os.toLowerCase(Locale.ROOT).startsWith("linux")) {
                    return TcpSnapshot.unsupported("not Linux (os.name=" + os + ")");
                }
            }
            lock.lock();
            try {
                ProcNetTcpParser p = new ProcNetTcpParser(ByteOrder.nativeOrder());
                String err4 = readInto(tcp4, p);
                String err6 = readInto(tcp6, p);
                if (err4 != null && err6 != null) {
                    return TcpSnapshot.unsupported(err4 + "; " + err6);
                }
                String reason = err4 != null ? err4 : err6 != null ? err6 : "";
                return TcpSnapshot.of(p, reason);
            } finally {
                lock.unlock();
            }
        } catch (RuntimeException e) {
            return TcpSnapshot.unsupported("cannot read TCP table: " + e);
        }
    }

    /** Reads one file into the shared buffer and parses it; returns an error text or null. */
    private String readInto(Path file, ProcNetTcpParser p) {
        if (file == null) {
            return "no file given";
        }
        int n = 0;
        try (InputStream in = Files.newInputStream(file)) {
            while (true) {
                if (n == buffer.length) {
                    buffer = Arrays.copyOf(buffer, buffer.length * 2);
                }
                int r = in.read(buffer, n, buffer.length - n);
                if (r < 0) {
                    break;
                }
                n += r;
            }
        } catch (NoSuchFileException e) {
            return file + " does not exist";
        } catch (IOException | SecurityException e) {
            return "cannot read " + file + ": " + e;
        }
        p.parse(buffer, 0, n);
        if (buffer.length > MAX_RETAINED_BUFFER) {
            buffer = new byte[INITIAL_BUFFER];
        }
        return null;
    }

    @Override
    public String toString() {
        return "TcpTable[" + tcp4 + ", " + tcp6 + "]";
    }
}
