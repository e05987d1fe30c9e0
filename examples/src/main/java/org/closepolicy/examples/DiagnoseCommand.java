package org.closepolicy.examples;

import java.io.PrintWriter;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.closepolicy.kernel.KernelSettings;
import org.closepolicy.kernel.TcpSnapshot;
import org.closepolicy.kernel.TcpState;
import org.closepolicy.kernel.TcpTable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code closepolicy diagnose}: the kernel's view of TCP on this host, with plain-language advice.
 *
 * <p>Thread-safety: one instance per command-line run; not shared.
 */
@Command(name = "diagnose", mixinStandardHelpOptions = true, sortOptions = false,
        description = {
            "Explains the kernel's TCP view on this host: TIME_WAIT, who holds it, what helps.",
            "",
            "Reads the kernel's TCP table and settings (Linux /proc) and explains them: TCP states,",
            "TIME_WAIT per local port and whether a server or its clients hold it, the ephemeral port",
            "range, tcp_tw_reuse / tcp_fin_timeout / tcp_max_tw_buckets, and what would help.",
            "",
        },
        footer = {"", "Examples:", "  closepolicy diagnose", "  closepolicy diagnose --port 8080 --json"})
final class DiagnoseCommand implements Callable<Integer> {

    @Spec
    private CommandSpec spec;

    @Option(names = "--port", paramLabel = "PORT", description = "Only sockets with this local or remote port.")
    private Integer port;

    @Option(names = "--json", description = "Print JSON instead of text.")
    private boolean json;

    @Override
    public Integer call() {
        if (port != null && (port < 1 || port > 65535)) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--port " + port + " is out of range; use 1 to 65535");
        }
        PrintWriter out = spec.commandLine().getOut();
        TcpSnapshot snapshot = TcpTable.system().snapshot();
        if (!snapshot.supported()) {
            String os = System.getProperty("os.name");
            if (json) {
                Map<String, Object> o = Json.object();
                o.put("supported", false);
                o.put("os", os);
                o.put("message", "diagnose reads Linux's /proc/net/tcp; this system has none");
                o.put("reason", snapshot.reason());
                out.print(Json.write(o));
            } else {
                out.println("diagnose reads Linux's /proc/net/tcp; this system (" + os + ") has none. Nothing to diagnose.");
            }
            out.flush();
            return 0;
        }
        Diagnosis d = new Diagnosis(snapshot, KernelSettings.read(), port);
        if (json) {
            out.print(Json.write(d.toJson()));
        } else {
            text(out, d);
        }
        out.flush();
        return 0;
    }

    private static void text(PrintWriter out, Diagnosis d) {
        out.println(d.portFilter == null ? "TCP sockets on this host" : "TCP sockets with local or remote port " + d.portFilter);
        if (d.states.isEmpty()) {
            out.println("  none");
        }
        d.states.entrySet().stream().sorted(Map.Entry.<TcpState, Long>comparingByValue().reversed())
                .forEach(e -> out.printf(Locale.ROOT, "  %-12s %,9d%n", e.getKey(), e.getValue()));
        out.println();
        out.println("TIME_WAIT by local port (top 10)");
        if (d.topLocalPorts.isEmpty()) {
            out.println("  none");
        }
        for (Diagnosis.PortCount p : d.topLocalPorts) {
            out.printf(Locale.ROOT, "  %5d %,9d  %s%n", p.port(), p.timeWait(), p.holder().text);
        }
        if (!d.topServerPeers.isEmpty()) {
            out.println();
            out.println("Server-side TIME_WAIT by peer address (top 5)" + (d.proxyInFront ? ": a proxy in front" : ""));
            for (Diagnosis.Peer p : d.topServerPeers) {
                out.printf(Locale.ROOT, "  %-39s %,9d%n", p.address(), p.timeWait());
            }
        }
        if (!d.topDestinations.isEmpty()) {
            out.println();
            out.println("Client-side TIME_WAIT by remote port (which server the clients here talked to)");
            for (Diagnosis.Destination dst : d.topDestinations) {
                out.printf(Locale.ROOT, "  %5d %,9d  (at most %,d ephemeral ports towards one peer)%n", dst.remotePort(), dst.timeWait(),
                        dst.worstPeerPorts());
            }
        }
        out.println();
        out.println("Kernel settings");
        KernelSettings k = d.settings;
        d.range.ifPresent(r -> out.printf(Locale.ROOT, "  ip_local_port_range  %s (%,d ports per peer; %,d in use on this host)%n", r,
                r.size(), d.ephemeralInUse));
        k.tcpTwReuse().ifPresent(v -> out.printf("  tcp_tw_reuse         %d (%s; never affects a server's TIME_WAIT)%n", v,
                Diagnosis.explainTwReuse(v)));
        k.tcpFinTimeout().ifPresent(v -> out.printf("  tcp_fin_timeout      %d s (FIN_WAIT2 of orphaned sockets; does NOT shorten TIME_WAIT)%n",
                v.toSeconds()));
        k.tcpMaxTwBuckets().ifPresent(v -> out.printf(Locale.ROOT, "  tcp_max_tw_buckets   %,d (above it new TIME_WAIT sockets are dropped at once)%n", v));
        out.println();
        out.println("Advice");
        for (String a : d.advice) {
            out.println("  - " + a);
        }
    }
}
