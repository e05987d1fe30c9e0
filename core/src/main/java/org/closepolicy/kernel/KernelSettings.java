package org.closepolicy.kernel;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * The Linux kernel settings that decide how costly TIME_WAIT and connection churn are, read from
 * {@code /proc/sys/net}.
 *
 * <pre>{@code
 * KernelSettings k = KernelSettings.read();
 * k.ipLocalPortRange().ifPresent(r -> System.out.println("ephemeral ports: " + r.size()));
 * System.out.println(k); // every value, or "n/a" where unreadable
 * }</pre>
 *
 * <p>Every value is optional: absent when its file is missing, unreadable or not a number. Reading never
 * throws.
 *
 * <p>Thread-safety: immutable, safe from any thread.
 */
public final class KernelSettings {

    private static final Path PROC_SYS_NET = Paths.get("/proc/sys/net");

    private final Optional<Duration> tcpFinTimeout;
    private final OptionalInt tcpTwReuse;
    private final OptionalInt tcpMaxTwBuckets;
    private final Optional<PortRange> ipLocalPortRange;
    private final OptionalInt somaxconn;
    private final OptionalInt tcpMaxSynBacklog;

    private KernelSettings(Path root) {
        Path ipv4 = root.resolve("ipv4");
        OptionalInt fin = readInt(ipv4.resolve("tcp_fin_timeout"));
        this.tcpFinTimeout = fin.isPresent() ? Optional.of(Duration.ofSeconds(fin.getAsInt())) : Optional.empty();
        this.tcpTwReuse = readInt(ipv4.resolve("tcp_tw_reuse"));
        this.tcpMaxTwBuckets = readInt(ipv4.resolve("tcp_max_tw_buckets"));
        this.ipLocalPortRange = readRange(ipv4.resolve("ip_local_port_range"));
        this.somaxconn = readInt(root.resolve("core").resolve("somaxconn"));
        this.tcpMaxSynBacklog = readInt(ipv4.resolve("tcp_max_syn_backlog"));
    }

    /** Reads this machine's settings from {@code /proc/sys/net}. */
    public static KernelSettings read() {
        return read(PROC_SYS_NET);
    }

    /**
     * Reads settings from a directory laid out like {@code /proc/sys/net} ({@code ipv4/tcp_fin_timeout},
     * {@code core/somaxconn}, ...).
     */
    public static KernelSettings read(Path procSysNetRoot) {
        return new KernelSettings(procSysNetRoot);
    }

    /** {@code net.ipv4.tcp_fin_timeout}: how long an orphaned socket stays in FIN_WAIT2. */
    public Optional<Duration> tcpFinTimeout() {
        return tcpFinTimeout;
    }

    /** {@code net.ipv4.tcp_tw_reuse}: 0 off, 1 on, 2 loopback only. */
    public OptionalInt tcpTwReuse() {
        return tcpTwReuse;
    }

    /** {@code net.ipv4.tcp_max_tw_buckets}: TIME_WAIT sockets beyond this are destroyed at once. */
    public OptionalInt tcpMaxTwBuckets() {
        return tcpMaxTwBuckets;
    }

    /** {@code net.ipv4.ip_local_port_range}: the ephemeral ports for outgoing connections. */
    public Optional<PortRange> ipLocalPortRange() {
        return ipLocalPortRange;
    }

    /** {@code net.core.somaxconn}: the cap on a listener's accept backlog. */
    public OptionalInt somaxconn() {
        return somaxconn;
    }

    /** {@code net.ipv4.tcp_max_syn_backlog}: the cap on half-open connections per listener. */
    public OptionalInt tcpMaxSynBacklog() {
        return tcpMaxSynBacklog;
    }

    /** Whether at least one setting could be read. */
    public boolean supported() {
        return tcpFinTimeout.isPresent() || tcpTwReuse.isPresent() || tcpMaxTwBuckets.isPresent()
                || ipLocalPortRange.isPresent() || somaxconn.isPresent() || tcpMaxSynBacklog.isPresent();
    }

    /**
     * Reads a small sysctl file. The whole value must come in the first read: sysctl handlers return nothing
     * for a read that does not start at offset 0, so reading byte by byte would see a truncated value.
     */
    private static String readText(Path file) {
        byte[] buf = new byte[4096];
        int n = 0;
        try (InputStream in = Files.newInputStream(file)) {
            for (int r; n < buf.length && (r = in.read(buf, n, buf.length - n)) > 0; ) {
                n += r;
            }
        } catch (IOException | RuntimeException e) {
            return null;
        }
        return new String(buf, 0, n, StandardCharsets.US_ASCII).trim();
    }

    private static OptionalInt readInt(Path file) {
        String s = readText(file);
        if (s == null) {
            return OptionalInt.empty();
        }
        try {
            return OptionalInt.of(Integer.parseInt(s));
        } catch (NumberFormatException e) {
            return OptionalInt.empty();
        }
    }

    private static Optional<PortRange> readRange(Path file) {
        String s = readText(file);
        if (s == null) {
            return Optional.empty();
        }
        int i = 0;
        while (i < s.length() && Character.isDigit(s.charAt(i))) {
            i++;
        }
        int j = i;
        while (j < s.length() && Character.isWhitespace(s.charAt(j))) {
            j++;
        }
        if (i == 0 || j == i || j == s.length()) {
            return Optional.empty();
        }
        try {
            return Optional.of(new PortRange(Integer.parseInt(s.substring(0, i)), Integer.parseInt(s.substring(j))));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    private static String show(OptionalInt v) {
        return v.isPresent() ? Integer.toString(v.getAsInt()) : "n/a";
    }

    @Override
    public String toString() {
        return "KernelSettings[tcp_fin_timeout=" + tcpFinTimeout.map(d -> d.getSeconds() + "s").orElse("n/a")
                + ", tcp_tw_reuse=" + show(tcpTwReuse)
                + ", tcp_max_tw_buckets=" + show(tcpMaxTwBuckets)
                + ", ip_local_port_range=" + ipLocalPortRange.map(r -> r + " (" + r.size() + " ports)").orElse("n/a")
                + ", somaxconn=" + show(somaxconn)
                + ", tcp_max_syn_backlog=" + show(tcpMaxSynBacklog) + "]";
    }
}
