package org.closepolicy.examples;

import java.util.Locale;
import java.util.Map;

/**
 * One line of the demo's table: one server with one policy under one bounded load.
 *
 * <p>Thread-safety: immutable.
 */
record DemoRow(ServerKind server, String policy, String spec, LoadClient.Mode clientMode,
        LoadClient.Result load, boolean kernel, long serverTimeWait, long clientTimeWait, String closeStatsJson, String frontend) {

    /** The policy column: the preset, and the proxy in front when there is one (then "client" TW is the proxy's). */
    String label() {
        return frontend == null ? policy : policy + " behind " + frontend;
    }

    double serverShare() {
        return share(serverTimeWait);
    }

    double clientShare() {
        return share(clientTimeWait);
    }

    private double share(long tw) {
        return load.connections() == 0 ? 0 : (double) tw / load.connections();
    }

    /** One plain-language line, derived from the numbers (not from the policy's name). */
    String verdict() {
        if (load.errors() > 0) {
            return String.format(Locale.ROOT, "%d of %d requests failed (%s): not safe", load.errors(), load.requests(),
                    String.join(", ", load.errorKinds().keySet()));
        }
        if (!kernel) {
            return "every body verified; TIME_WAIT unknown (no /proc/net/tcp here)";
        }
        double perConnection = load.connections() == 0 ? 0 : (double) load.requests() / load.connections();
        if (perConnection >= 2) {
            return String.format(Locale.ROOT, "%.0f requests per connection: little churn; TIME_WAIT only when the pool closes",
                    perConnection);
        }
        if (serverShare() <= 0.01 && clientShare() <= 0.01) {
            return "no TIME_WAIT on either side, every byte delivered";
        }
        if (serverShare() <= 0.01) {
            return "server keeps ~no TIME_WAIT; each client keeps its own; every byte delivered";
        }
        if (serverShare() >= 0.25) {
            return String.format(Locale.ROOT, "server keeps TIME_WAIT for %s of connections: the problem%s", pct(serverShare()),
                    clientShare() >= 0.1 ? " (clients that closed first keep the rest)" : "");
        }
        return String.format(Locale.ROOT, "server keeps TIME_WAIT for %s of connections", pct(serverShare()));
    }

    static String pct(double share) {
        return String.format(Locale.ROOT, share >= 0.1 || share == 0 ? "%.0f%%" : "%.1f%%", share * 100);
    }

    Map<String, Object> toJson() {
        Map<String, Object> o = Json.object();
        o.put("server", server.label());
        o.put("policy", policy);
        o.put("frontend", frontend);
        o.put("spec", spec);
        o.put("clientMode", clientMode.description);
        o.put("requests", load.requests());
        o.put("connections", load.connections());
        o.put("seconds", load.seconds());
        o.put("requestsPerSecond", Math.round(load.requestsPerSecond()));
        o.put("kernelSupported", kernel);
        o.put("serverTimeWait", kernel ? serverTimeWait : null);
        o.put("clientTimeWait", kernel ? clientTimeWait : null);
        o.put("serverTimeWaitPerConnection", kernel ? serverShare() : null);
        o.put("clientTimeWaitPerConnection", kernel ? clientShare() : null);
        o.put("errors", load.errors());
        o.put("errorKinds", load.errorKinds());
        o.put("retries", load.retries());
        o.put("bytesVerified", load.bytesVerified());
        o.put("verdict", verdict());
        o.put("closeStats", new Json.Raw(closeStatsJson));
        return o;
    }
}
