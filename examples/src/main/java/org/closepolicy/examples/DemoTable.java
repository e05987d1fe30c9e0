package org.closepolicy.examples;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Renders the demo's rows as one aligned text table.
 *
 * <p>Thread-safety: stateless.
 */
final class DemoTable {

    private static final String[] HEADERS = {"server", "policy", "conns", "req/s", "server TW", "client TW", "errors", "verified",
        "verdict"};

    private DemoTable() {
    }

    static void print(PrintWriter out, List<DemoRow> rows, boolean kernel) {
        List<String[]> cells = new ArrayList<>();
        cells.add(HEADERS);
        for (DemoRow r : rows) {
            cells.add(new String[] {
                r.server().label(),
                r.label(),
                String.format(Locale.ROOT, "%,d", r.load().connections()),
                String.format(Locale.ROOT, "%,.0f", r.load().requestsPerSecond()),
                kernel ? tw(r.serverTimeWait(), r.serverShare()) : "n/a",
                kernel ? tw(r.clientTimeWait(), r.clientShare()) : "n/a",
                Long.toString(r.load().errors()),
                bytes(r.load().bytesVerified()),
                r.verdict(),
            });
        }
        int[] width = new int[HEADERS.length];
        for (String[] row : cells) {
            for (int i = 0; i < row.length; i++) {
                width[i] = Math.max(width[i], row[i].length());
            }
        }
        out.println();
        for (int r = 0; r < cells.size(); r++) {
            String[] row = cells.get(r);
            StringBuilder sb = new StringBuilder();
            for (int i = 0; i < row.length; i++) {
                boolean numeric = i >= 2 && i <= 7;
                String cell = row[i];
                if (i == row.length - 1) {
                    sb.append(cell);
                } else if (numeric) {
                    sb.append(" ".repeat(width[i] - cell.length())).append(cell).append("  ");
                } else {
                    sb.append(cell).append(" ".repeat(width[i] - cell.length())).append("  ");
                }
            }
            out.println(sb.toString().stripTrailing());
            if (r == 0) {
                StringBuilder rule = new StringBuilder();
                for (int i = 0; i < width.length; i++) {
                    rule.append("-".repeat(i == width.length - 1 ? 7 : width[i])).append(i == width.length - 1 ? "" : "  ");
                }
                out.println(rule);
            }
        }
        out.println();
        out.println("TW = TIME_WAIT sockets the kernel kept after the run (share of connections in brackets).");
        out.println("server TW: local port = the server's port; client TW: remote port = the server's port.");
        if (rows.stream().anyMatch(r -> r.frontend() != null)) {
            out.println("behind nginx: nginx's default proxy (HTTP/1.0, a new backend connection per request); server TW is the");
            out.println("backend's, client TW nginx's towards the backend.");
        }
    }

    private static String tw(long n, double share) {
        return String.format(Locale.ROOT, "%,d (%s)", n, DemoRow.pct(share));
    }

    static String bytes(long n) {
        if (n >= 10L << 20) {
            return String.format(Locale.ROOT, "%.1f MB", n / 1e6);
        }
        if (n >= 10_000) {
            return String.format(Locale.ROOT, "%.0f KB", n / 1e3);
        }
        return n + " B";
    }
}
