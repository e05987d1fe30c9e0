package org.closepolicy.internal;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Locale;

/**
 * Parsing and formatting of spec values (durations, sizes, percentages, booleans, counts) with
 * error messages that name the key, the value and what is allowed.
 *
 * <p>Thread-safety: stateless.
 */
public final class SpecValues {

    private SpecValues() {
    }

    /** An error naming key, value and what is allowed. */
    public static IllegalArgumentException bad(String key, String value, String allowed) {
        return new IllegalArgumentException("invalid value '" + value + "' for key '" + key + "': " + allowed);
    }

    /**
     * Parses {@code 500ms}, {@code 2s}, {@code 1m}, {@code 1h}, {@code 1d}, {@code 250us} or ISO-8601 ({@code PT2S}).
     * Must be positive.
     */
    public static Duration duration(String key, String raw) {
        String v = raw.trim();
        String allowed = "a positive duration such as 500ms, 2s, 1m, 1h or PT2S";
        if (v.isEmpty()) {
            throw bad(key, raw, allowed);
        }
        Duration d;
        if (v.charAt(0) == 'P' || v.charAt(0) == 'p' || v.startsWith("-P") || v.startsWith("-p")) {
            try {
                d = Duration.parse(v);
            } catch (DateTimeParseException e) {
                throw bad(key, raw, allowed);
            }
        } else {
            int i = 0;
            if (v.charAt(0) == '-' || v.charAt(0) == '+') {
                i++;
            }
            int digits = i;
            while (i < v.length() && Character.isDigit(v.charAt(i))) {
                i++;
            }
            if (i == digits) {
                throw bad(key, raw, allowed);
            }
            long n;
            try {
                n = Long.parseLong(v.substring(0, i));
            } catch (NumberFormatException e) {
                throw bad(key, raw, allowed);
            }
            String unit = v.substring(i).trim().toLowerCase(Locale.ROOT);
            try {
                switch (unit) {
                    case "ns": d = Duration.ofNanos(n); break;
                    case "us": d = Duration.ofNanos(Math.multiplyExact(n, 1000L)); break;
                    case "ms": d = Duration.ofMillis(n); break;
                    case "s": d = Duration.ofSeconds(n); break;
                    case "m": d = Duration.ofMinutes(n); break;
                    case "h": d = Duration.ofHours(n); break;
                    case "d": d = Duration.ofDays(n); break;
                    default: throw bad(key, raw, allowed + " (units: ns, us, ms, s, m, h, d)");
                }
            } catch (ArithmeticException e) {
                throw bad(key, raw, allowed);
            }
        }
        if (d.isNegative() || d.isZero()) {
            throw bad(key, raw, allowed);
        }
        return d;
    }

    /** Formats a duration in the largest unit that represents it exactly. */
    public static String duration(Duration d) {
        long nanos;
        try {
            nanos = d.toNanos();
        } catch (ArithmeticException e) {
            return d.toString();
        }
        long[] scale = {86_400_000_000_000L, 3_600_000_000_000L, 60_000_000_000L, 1_000_000_000L, 1_000_000L, 1_000L, 1L};
        String[] unit = {"d", "h", "m", "s", "ms", "us", "ns"};
        for (int i = 0; i < scale.length; i++) {
            if (nanos % scale[i] == 0) {
                return (nanos / scale[i]) + unit[i];
            }
        }
        return nanos + "ns";
    }

    /** Parses a byte size: {@code 1024}, {@code 64KiB}, {@code 1MiB}, {@code 1GiB}, {@code 500kB}, {@code 2MB}. Must be positive. */
    public static long size(String key, String raw) {
        String v = raw.trim();
        String allowed = "a positive size in bytes such as 65536, 64KiB, 1MiB or 2MB";
        int i = 0;
        while (i < v.length() && Character.isDigit(v.charAt(i))) {
            i++;
        }
        if (i == 0) {
            throw bad(key, raw, allowed);
        }
        long n;
        try {
            n = Long.parseLong(v.substring(0, i));
        } catch (NumberFormatException e) {
            throw bad(key, raw, allowed);
        }
        long mult;
        switch (v.substring(i).trim()) {
            case "": case "B": case "b": mult = 1; break;
            case "KiB": case "k": case "K": mult = 1L << 10; break;
            case "MiB": case "M": mult = 1L << 20; break;
            case "GiB": case "G": mult = 1L << 30; break;
            case "kB": case "KB": mult = 1_000L; break;
            case "MB": mult = 1_000_000L; break;
            case "GB": mult = 1_000_000_000L; break;
            default: throw bad(key, raw, allowed);
        }
        try {
            long r = Math.multiplyExact(n, mult);
            if (r <= 0) {
                throw bad(key, raw, allowed);
            }
            return r;
        } catch (ArithmeticException e) {
            throw bad(key, raw, allowed);
        }
    }

    /** Formats a size in the largest binary unit that represents it exactly. */
    public static String size(long bytes) {
        if (bytes % (1L << 30) == 0) {
            return (bytes >> 30) + "GiB";
        }
        if (bytes % (1L << 20) == 0) {
            return (bytes >> 20) + "MiB";
        }
        if (bytes % (1L << 10) == 0) {
            return (bytes >> 10) + "KiB";
        }
        return Long.toString(bytes);
    }

    /** Parses {@code 10%} or a fraction {@code 0.1}, within [0, 0.5]. */
    public static double fraction(String key, String raw) {
        String v = raw.trim();
        String allowed = "a percentage from 0% to 50% (or a fraction from 0 to 0.5)";
        double f;
        try {
            if (v.endsWith("%")) {
                f = Double.parseDouble(v.substring(0, v.length() - 1).trim()) / 100.0;
            } else {
                f = Double.parseDouble(v);
            }
        } catch (NumberFormatException e) {
            throw bad(key, raw, allowed);
        }
        if (!(f >= 0 && f <= 0.5) || v.contains("e") || v.contains("E")) {
            throw bad(key, raw, allowed);
        }
        return f;
    }

    /** Formats a fraction as a percentage that parses back to the same double. */
    public static String percent(double f) {
        double pct = f * 100.0;
        String s = stripZeros(new java.math.BigDecimal(Double.toString(pct)).toPlainString()) + "%";
        if (Double.parseDouble(s.substring(0, s.length() - 1)) / 100.0 == f) {
            return s;
        }
        return new java.math.BigDecimal(Double.toString(f)).toPlainString();
    }

    private static String stripZeros(String s) {
        if (s.indexOf('.') < 0) {
            return s;
        }
        int end = s.length();
        while (s.charAt(end - 1) == '0') {
            end--;
        }
        if (s.charAt(end - 1) == '.') {
            end--;
        }
        return s.substring(0, end);
    }

    /** Parses {@code true} or {@code false} (also {@code on}/{@code off}, {@code yes}/{@code no}). */
    public static boolean bool(String key, String raw) {
        switch (raw.trim().toLowerCase(Locale.ROOT)) {
            case "true": case "on": case "yes": return true;
            case "false": case "off": case "no": return false;
            default: throw bad(key, raw, "true or false");
        }
    }

    /** Parses a count at least {@code min}. */
    public static long count(String key, String raw, long min) {
        String allowed = "a whole number >= " + min;
        try {
            long n = Long.parseLong(raw.trim().replace("_", ""));
            if (n < min) {
                throw bad(key, raw, allowed);
            }
            return n;
        } catch (NumberFormatException e) {
            throw bad(key, raw, allowed);
        }
    }

    /** Parses any whole number. */
    public static long anyLong(String key, String raw) {
        try {
            return Long.parseLong(raw.trim());
        } catch (NumberFormatException e) {
            throw bad(key, raw, "a whole number");
        }
    }
}
