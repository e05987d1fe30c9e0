package org.closepolicy.examples;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalLong;

/**
 * The kernel settings that people tune against TIME_WAIT, read from {@code /proc/sys/net/ipv4}.
 * A missing file reads as empty.
 *
 * <p>Thread-safety: immutable.
 */
record Sysctls(OptionalLong tcpTwReuse, OptionalLong tcpFinTimeout, OptionalLong tcpMaxTwBuckets, int portRangeLow,
        int portRangeHigh) {

    private static final Path DIR = Path.of("/proc/sys/net/ipv4");

    static Sysctls read() {
        int lo = -1;
        int hi = -1;
        String range = text("ip_local_port_range");
        if (range != null) {
            String[] p = range.trim().split("\\s+");
            if (p.length == 2) {
                try {
                    lo = Integer.parseInt(p[0]);
                    hi = Integer.parseInt(p[1]);
                } catch (NumberFormatException e) {
                    lo = -1;
                    hi = -1;
                }
            }
        }
        return new Sysctls(number("tcp_tw_reuse"), number("tcp_fin_timeout"), number("tcp_max_tw_buckets"), lo, hi);
    }

    boolean hasPortRange() {
        return portRangeLow > 0 && portRangeHigh >= portRangeLow;
    }

    int portRangeSize() {
        return hasPortRange() ? portRangeHigh - portRangeLow + 1 : 0;
    }

    boolean ephemeral(int port) {
        return hasPortRange() && port >= portRangeLow && port <= portRangeHigh;
    }

    private static OptionalLong number(String name) {
        String t = text(name);
        if (t == null) {
            return OptionalLong.empty();
        }
        try {
            return OptionalLong.of(Long.parseLong(t.trim()));
        } catch (NumberFormatException e) {
            return OptionalLong.empty();
        }
    }

    private static String text(String name) {
        Path p = DIR.resolve(name);
        try {
            return Files.isReadable(p) ? Files.readString(p, StandardCharsets.US_ASCII) : null;
        } catch (IOException e) {
            return null;
        }
    }
}
