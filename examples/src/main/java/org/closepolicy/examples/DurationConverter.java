package org.closepolicy.examples;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import picocli.CommandLine;

/**
 * Reads {@code 500ms}, {@code 5s}, {@code 2m}, {@code 1h} or ISO-8601 ({@code PT5S}); a bare number is seconds.
 *
 * <p>Thread-safety: stateless.
 */
final class DurationConverter implements CommandLine.ITypeConverter<Duration> {

    @Override
    public Duration convert(String value) {
        String v = value.trim().toLowerCase(Locale.ROOT);
        try {
            Duration d;
            if (v.startsWith("pt") || v.startsWith("p")) {
                d = Duration.parse(v.toUpperCase(Locale.ROOT));
            } else if (v.endsWith("ms")) {
                d = Duration.ofMillis(Long.parseLong(v.substring(0, v.length() - 2)));
            } else if (v.endsWith("s")) {
                d = Duration.ofMillis(Math.round(Double.parseDouble(v.substring(0, v.length() - 1)) * 1000));
            } else if (v.endsWith("m")) {
                d = Duration.ofSeconds(Long.parseLong(v.substring(0, v.length() - 1)) * 60);
            } else if (v.endsWith("h")) {
                d = Duration.ofHours(Long.parseLong(v.substring(0, v.length() - 1)));
            } else {
                d = Duration.ofMillis(Math.round(Double.parseDouble(v) * 1000));
            }
            if (d.isNegative()) {
                throw new CommandLine.TypeConversionException("'" + value + "' is negative; give a duration such as 500ms, 5s or 1m");
            }
            return d;
        } catch (NumberFormatException | DateTimeParseException e) {
            throw new CommandLine.TypeConversionException("'" + value + "' is not a duration; use 500ms, 5s, 1m, 1h or PT5S");
        }
    }
}
