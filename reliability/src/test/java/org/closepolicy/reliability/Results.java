package org.closepolicy.reliability;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Locale;

/**
 * One row per scenario run, appended as a Markdown table row to the file named by the system property
 * {@code reliability.results} (the build sets it under {@code target/}) and printed to the test output.
 */
final class Results {

    static final String HEADER = "| scenario | adapter | policy | connections | bytes verified | errors | max close ms"
            + " | TIME_WAIT server | TIME_WAIT client | notes |\n|---|---|---|---:|---:|---:|---:|---:|---:|---|\n";

    private Results() {
    }

    /** A row; pass -1 for a count that does not apply (shown as a dash). */
    static synchronized void row(String scenario, Adapter adapter, String policy, long connections, long bytesVerified,
                                 long errors, Duration maxClose, long twServer, long twClient, String notes) {
        String line = String.format(Locale.ROOT, "| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |%n", scenario,
                adapter.name().toLowerCase(Locale.ROOT), policy, n(connections), n(bytesVerified), n(errors),
                maxClose == null ? "-" : Long.toString(maxClose.toMillis()), n(twServer), n(twClient), notes);
        System.out.print(line);
        String file = System.getProperty("reliability.results");
        if (file == null) {
            return;
        }
        Path p = Path.of(file);
        try {
            if (!Files.exists(p)) {
                Files.createDirectories(p.toAbsolutePath().getParent());
                Files.writeString(p, HEADER, StandardCharsets.UTF_8);
            }
            Files.writeString(p, line, StandardCharsets.UTF_8, StandardOpenOption.APPEND);
        } catch (IOException e) {
            System.err.println("could not append to " + p + ": " + e);
        }
    }

    private static String n(long v) {
        return v < 0 ? "-" : String.format(Locale.ROOT, "%,d", v);
    }
}
