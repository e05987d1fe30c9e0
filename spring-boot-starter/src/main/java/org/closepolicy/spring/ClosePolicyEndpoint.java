package org.closepolicy.spring;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.closepolicy.CloseMode;
import org.closepolicy.CloseStats;
import org.closepolicy.FallbackReason;
import org.closepolicy.RetireReason;
import org.closepolicy.WhoClosed;
import org.closepolicy.kernel.TcpSnapshot;
import org.closepolicy.kernel.TcpState;
import org.closepolicy.kernel.TcpTable;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;

/**
 * The Actuator endpoint {@code closepolicy}: the effective policy of each server, its statistics, and the kernel's
 * view of the server port (TIME_WAIT and ESTABLISHED sockets on it).
 * <pre>{@code
 * management.endpoints.web.exposure.include=health,closepolicy
 * GET /actuator/closepolicy
 * {"servers":[{"server":"jetty","policy":"client-first, …","stats":{"opened":…}}],
 *  "kernel":{"port":8080,"supported":true,"serverTimeWait":0,"established":12}}
 * }</pre>
 * The kernel table is read on each request (a few milliseconds on a busy host): an operator's view, not a metric.
 *
 * <p>Thread-safety: thread-safe.
 */
@Endpoint(id = "closepolicy")
public class ClosePolicyEndpoint {

    private final ClosePolicyServers servers;

    public ClosePolicyEndpoint(ClosePolicyServers servers) {
        this.servers = servers;
    }

    /** The effective policies, statistics and kernel view. */
    @ReadOperation
    public Map<String, Object> closePolicy() {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("configured", servers.configured());
        List<Map<String, Object>> list = new ArrayList<>();
        for (ClosePolicyServers.InstalledServer s : servers.servers()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("server", s.kind());
            m.put("policy", s.policy().toSpec());
            m.put("stats", stats(s.stats()));
            list.add(m);
        }
        out.put("servers", list);
        out.put("kernel", kernel(servers.port()));
        return out;
    }

    private static Map<String, Object> kernel(int port) {
        Map<String, Object> k = new LinkedHashMap<>();
        k.put("port", port);
        TcpSnapshot snap = TcpTable.system().snapshot();
        k.put("supported", snap.supported());
        if (!snap.supported()) {
            k.put("reason", snap.reason());
        } else if (port > 0) {
            k.put("serverTimeWait", snap.countLocalPort(TcpState.TIME_WAIT, port));
            k.put("established", snap.countLocalPort(TcpState.ESTABLISHED, port));
            k.put("hostTimeWait", snap.count(TcpState.TIME_WAIT));
        }
        return k;
    }

    static Map<String, Object> stats(CloseStats s) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("opened", s.opened());
        m.put("closed", s.closed());
        m.put("open", s.open());
        m.put("reused", s.reused());
        m.put("retired", s.retired());
        m.put("requests", s.requests());
        Map<String, Long> who = new LinkedHashMap<>();
        for (WhoClosed w : WhoClosed.values()) {
            who.put(w.name(), s.whoClosed(w));
        }
        m.put("whoClosed", who);
        Map<String, Long> mode = new LinkedHashMap<>();
        for (CloseMode c : CloseMode.values()) {
            mode.put(c.name(), s.usedMode(c));
        }
        m.put("usedMode", mode);
        Map<String, Long> fallback = new LinkedHashMap<>();
        for (FallbackReason f : FallbackReason.values()) {
            fallback.put(f.name(), s.fallback(f));
        }
        m.put("fallback", fallback);
        Map<String, Long> reason = new LinkedHashMap<>();
        for (RetireReason r : RetireReason.values()) {
            reason.put(r.name(), s.retireReason(r));
        }
        m.put("retireReason", reason);
        return m;
    }
}
