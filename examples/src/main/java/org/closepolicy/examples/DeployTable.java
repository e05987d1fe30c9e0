package org.closepolicy.examples;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.closepolicy.DrainReport;

/**
 * Renders the deploy rows: one block per server and policy, one line per client family.
 *
 * <p>Thread-safety: stateless.
 */
final class DeployTable {

    static final String[] HEADERS = {"client", "sent", "failed", "connect", "EOF before", "reset before", "mid-response", "bad"};

    private DeployTable() {
    }

    static void print(PrintWriter out, List<DeployRow> rows, String migrateReqLine) {
        for (DeployRow r : rows) {
            out.println();
            out.printf(Locale.ROOT, "%s, %s: A stopped in %.2f s; server TIME_WAIT %s, client TIME_WAIT %s%n", r.server().label(),
                    r.bare() ? "none (the framework's graceful stop)" : r.policy() + " (drain)", r.stopMillis() / 1000.0,
                    count(r.serverTimeWait()), count(r.clientTimeWait()));
            if (!r.bare()) {
                out.println("  A's drain: " + describe(r.drain()));
            }
            List<String[]> cells = new ArrayList<>();
            cells.add(HEADERS);
            for (Map.Entry<String, DeployFailures.Counts> e : r.clients().entrySet()) {
                DeployFailures.Counts c = e.getValue();
                cells.add(new String[] {e.getKey(), n(c.sent()), n(c.failed()), n(c.connect()), n(c.eofBeforeResponse()),
                    n(c.resetBeforeResponse()), n(c.midResponse()), n(c.bad())});
            }
            printCells(out, cells);
        }
        out.println();
        out.println(migrateReqLine);
        out.println("failed = connect (refused or reset while connecting) + EOF before (the connection ended before any byte of");
        out.println("the response: retryable for idempotent requests) + reset before (a reset before any byte) + mid-response");
        out.println("(a reset or EOF after part of it) + bad (not 2xx, or a wrong body). The raw pools never retry; the JDK");
        out.println("HttpClient retries a GET once by itself (a pooled connection that ends before the response, a refused");
        out.println("connect), so only what reaches the application is counted. TIME_WAIT: counted on the port right after A");
        out.println("stopped (B's connections are still open then).");
    }

    static String describe(DrainReport d) {
        return String.format(Locale.ROOT, "%d at start + %d accepted while draining: %d announced, %d idle-closed, %d closed on their"
                + " own, %d cut at the deadline; closes %s", d.connectionsAtStart(), d.acceptedWhileDraining(), d.announced(),
                d.idleClosed(), d.closedOnTheirOwn(), d.cutAtDeadline(), d.byWhoClosed().entrySet().stream()
                        .filter(e -> e.getValue() > 0).map(e -> e.getKey() + " " + e.getValue()).toList());
    }

    private static void printCells(PrintWriter out, List<String[]> cells) {
        int[] width = new int[HEADERS.length];
        for (String[] row : cells) {
            for (int i = 0; i < row.length; i++) {
                width[i] = Math.max(width[i], row[i].length());
            }
        }
        for (String[] row : cells) {
            StringBuilder sb = new StringBuilder("  ");
            for (int i = 0; i < row.length; i++) {
                String pad = " ".repeat(width[i] - row[i].length());
                sb.append(i == 0 ? row[i] + pad : pad + row[i]).append("  ");
            }
            out.println(sb.toString().stripTrailing());
        }
    }

    private static String count(long n) {
        return n < 0 ? "n/a" : Long.toString(n);
    }

    private static String n(long v) {
        return String.format(Locale.ROOT, "%,d", v);
    }
}
