package org.closepolicy.examples;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.closepolicy.DrainReport;

/**
 * One block of the deploy table: server A of one kind and policy replaced by B on the same port while client
 * families keep requesting.
 *
 * <p>Thread-safety: immutable.
 *
 * @param server         netty or jetty
 * @param policy         the preset, or {@code none} for the bare framework's own graceful stop
 * @param clients        each family's name and counts, in table order
 * @param serverTimeWait TIME_WAIT on the server's port right after A stopped (A's closes: B's connections are open)
 * @param clientTimeWait TIME_WAIT of the clients towards the port right after A stopped
 * @param stopMillis     how long A's stop took (close the listener, drain, stop)
 * @param drain          A's drain report, or null for the bare framework
 */
record DeployRow(ServerKind server, String policy, Map<String, DeployFailures.Counts> clients, long serverTimeWait,
        long clientTimeWait, long stopMillis, DrainReport drain) {

    DeployRow {
        clients = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(clients));
    }

    boolean bare() {
        return drain == null;
    }

    Map<String, Object> toJson() {
        Map<String, Object> o = Json.object();
        o.put("server", server.toString());
        o.put("policy", policy);
        o.put("stop", bare() ? "framework graceful stop" : "drain");
        o.put("stopMillis", stopMillis);
        o.put("serverTimeWait", serverTimeWait);
        o.put("clientTimeWait", clientTimeWait);
        o.put("drainReport", bare() ? null : Json.parse(drain.toJson()));
        List<Object> list = new java.util.ArrayList<>();
        for (Map.Entry<String, DeployFailures.Counts> e : clients.entrySet()) {
            DeployFailures.Counts c = e.getValue();
            Map<String, Object> m = Json.object();
            m.put("client", e.getKey());
            m.put("sent", c.sent());
            m.put("ok", c.ok());
            m.put("failed", c.failed());
            m.put("connect", c.connect());
            m.put("eofBeforeResponse", c.eofBeforeResponse());
            m.put("resetBeforeResponse", c.resetBeforeResponse());
            m.put("midResponse", c.midResponse());
            m.put("bad", c.bad());
            list.add(m);
        }
        o.put("clients", list);
        return o;
    }
}
