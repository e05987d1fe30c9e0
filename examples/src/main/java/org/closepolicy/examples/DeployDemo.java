package org.closepolicy.examples;

import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.closepolicy.Preset;

/**
 * {@code closepolicy demo --scenario deploy}: each server and policy replaced by a second server on the same port
 * (SO_REUSEPORT) under pooled keep-alive clients; the bare framework's graceful stop against the drain.
 *
 * <p>Thread-safety: one instance per command-line run; not shared.
 *
 * @param servers  the servers to run
 * @param policies presets' spec names, or {@code none}
 * @param scenario the phases and clients of every row
 * @param warmUp   unmeasured load per server before its rows
 * @param json     where to write the rows as JSON, or null
 * @param progress whether to print a line per finished row on the error stream
 */
record DeployDemo(List<ServerKind> servers, List<String> policies, DeployScenario scenario, Duration warmUp, Path json,
        boolean progress) {

    /** The policies a deploy demo runs unless told otherwise: the bare stop, then the drain under each close. */
    static final List<String> DEFAULT_POLICIES = List.of(DeployScenario.NONE, "keep-alive", "client-first", "safe-reset");

    /** Checks a policy name: a preset's spec name or {@code none}; returns it in lower case. */
    static String checkPolicy(String p) {
        String name = p.trim().toLowerCase(Locale.ROOT);
        if (!DeployScenario.NONE.equals(name)) {
            Preset.fromSpecName(name); // throws naming the allowed presets
        }
        return name;
    }

    /** Runs every row and prints the table; the exit code is 0 (failures are the demo's subject, not an error). */
    int run(PrintWriter out, PrintWriter err) throws Exception {
        out.printf(Locale.ROOT, "closepolicy demo --scenario deploy: %s x %s; per row: %s of load, then A stops (bound %s), %s on B;"
                + " %d threads per client family%n", servers, policies, ServeCommand.human(scenario.before()),
                ServeCommand.human(scenario.drain()), ServeCommand.human(scenario.after()), scenario.threads());
        out.println(DeployScenario.migrateReqLine());
        out.flush();
        long started = System.nanoTime();
        List<DeployRow> rows = new ArrayList<>();
        for (ServerKind kind : servers) {
            scenario.warmUp(kind, warmUp);
            for (String policy : policies) {
                DeployRow row = scenario.run(kind, policy);
                rows.add(row);
                if (progress) {
                    err.printf(Locale.ROOT, "%s %s: A stopped in %d ms, failed %d of %d%n", kind, policy, row.stopMillis(),
                            row.clients().values().stream().mapToLong(DeployFailures.Counts::failed).sum(),
                            row.clients().values().stream().mapToLong(DeployFailures.Counts::sent).sum());
                    err.flush();
                }
            }
        }
        double seconds = (System.nanoTime() - started) / 1e9;
        DeployTable.print(out, rows, DeployScenario.migrateReqLine());
        out.printf(Locale.ROOT, "%d rows in %.1f s.%n", rows.size(), seconds);
        if (json != null) {
            Files.writeString(json, Json.write(toJson(rows, seconds)), StandardCharsets.UTF_8);
            out.println("results written to " + json);
        }
        out.flush();
        return 0;
    }

    private Map<String, Object> toJson(List<DeployRow> rows, double seconds) {
        Map<String, Object> o = Json.object();
        o.put("command", "closepolicy demo --scenario deploy");
        o.put("date", OffsetDateTime.now(ZoneOffset.UTC).truncatedTo(ChronoUnit.SECONDS).toString());
        o.put("tcpMigrateReq", Handover.migrateReq().orElse(null));
        o.put("beforeMillis", scenario.before().toMillis());
        o.put("afterMillis", scenario.after().toMillis());
        o.put("drainMillis", scenario.drain().toMillis());
        o.put("threadsPerFamily", (long) scenario.threads());
        o.put("seconds", seconds);
        List<Object> list = new ArrayList<>();
        for (DeployRow r : rows) {
            list.add(r.toJson());
        }
        o.put("results", list);
        return o;
    }
}
