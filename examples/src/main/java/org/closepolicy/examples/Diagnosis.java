package org.closepolicy.examples;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * What {@code diagnose} concludes from one reading of the TCP table and the kernel settings: a pure
 * function of its inputs, so it is tested with made-up tables.
 *
 * <p>Thread-safety: immutable after construction.
 */
final class Diagnosis {

    /** Below this many TIME_WAIT sockets nothing is worth changing. */
    static final long NOTABLE = 1_000;

    /** TIME_WAIT on one local port, and who holds it. */
    record PortCount(int port, long timeWait, Holder holder) {
    }

    /** Who holds a TIME_WAIT socket. */
    enum Holder {
        SERVER("server (a listening port)"),
        CLIENT("clients (ephemeral port)"),
        UNKNOWN("unknown (neither listening nor ephemeral)");

        final String text;

        Holder(String text) {
            this.text = text;
        }
    }

    /** Client-side TIME_WAIT towards one remote port, and how full the ephemeral range is for it. */
    record Destination(int remotePort, long timeWait, long portsInUse, int worstPeerPorts) {
    }

    final Integer portFilter;
    final Sysctls sysctls;
    final Map<ProcNetTcp.State, Long> states;
    final long timeWait;
    final long serverTimeWait;
    final long clientTimeWait;
    final List<PortCount> topLocalPorts;
    final List<Destination> topDestinations;
    final long ephemeralInUse;
    final Set<Integer> listening;
    final List<String> advice = new ArrayList<>();

    Diagnosis(ProcNetTcp.Snapshot snapshot, Sysctls sysctls, Integer portFilter) {
        this.portFilter = portFilter;
        this.sysctls = sysctls;
        List<ProcNetTcp.Socket> all = snapshot.sockets();
        listening = all.stream().filter(s -> s.state() == ProcNetTcp.State.LISTEN).map(ProcNetTcp.Socket::localPort)
                .collect(Collectors.toCollection(HashSet::new));
        List<ProcNetTcp.Socket> view = portFilter == null ? all
                : all.stream().filter(s -> s.localPort() == portFilter || s.remotePort() == portFilter).toList();
        states = new java.util.EnumMap<>(ProcNetTcp.State.class);
        for (ProcNetTcp.Socket s : view) {
            states.merge(s.state(), 1L, Long::sum);
        }
        timeWait = states.getOrDefault(ProcNetTcp.State.TIME_WAIT, 0L);

        Map<Integer, Long> byLocal = new HashMap<>();
        Map<Integer, Long> byRemote = new HashMap<>();
        long server = 0;
        long client = 0;
        for (ProcNetTcp.Socket s : view) {
            if (s.state() != ProcNetTcp.State.TIME_WAIT) {
                continue;
            }
            byLocal.merge(s.localPort(), 1L, Long::sum);
            Holder h = holder(s.localPort());
            if (h == Holder.SERVER) {
                server++;
            } else if (h == Holder.CLIENT) {
                client++;
                byRemote.merge(s.remotePort(), 1L, Long::sum);
            }
        }
        serverTimeWait = server;
        clientTimeWait = client;
        topLocalPorts = byLocal.entrySet().stream()
                .sorted(Map.Entry.<Integer, Long>comparingByValue().reversed().thenComparing(Map.Entry.comparingByKey()))
                .limit(10).map(e -> new PortCount(e.getKey(), e.getValue(), holder(e.getKey()))).toList();

        // A connect() needs a local port unused towards that same remote address and port, so the
        // range runs out per destination, not globally.
        Map<String, Set<Integer>> portsPerPeer = new HashMap<>();
        Set<Integer> ephemeral = new HashSet<>();
        for (ProcNetTcp.Socket s : all) {
            if (s.state() != ProcNetTcp.State.LISTEN && sysctls.ephemeral(s.localPort()) && !listening.contains(s.localPort())) {
                ephemeral.add(s.localPort());
                portsPerPeer.computeIfAbsent(s.remoteAddress() + ":" + s.remotePort(), k -> new HashSet<>()).add(s.localPort());
            }
        }
        ephemeralInUse = ephemeral.size();
        topDestinations = byRemote.entrySet().stream()
                .sorted(Map.Entry.<Integer, Long>comparingByValue().reversed().thenComparing(Map.Entry.comparingByKey()))
                .limit(5)
                .map(e -> {
                    int port = e.getKey();
                    int worst = portsPerPeer.entrySet().stream().filter(p -> p.getKey().endsWith(":" + port))
                            .mapToInt(p -> p.getValue().size()).max().orElse(0);
                    long inUse = portsPerPeer.entrySet().stream().filter(p -> p.getKey().endsWith(":" + port))
                            .mapToLong(p -> p.getValue().size()).sum();
                    return new Destination(port, e.getValue(), inUse, worst);
                }).toList();
        advise();
    }

    Holder holder(int localPort) {
        if (listening.contains(localPort)) {
            return Holder.SERVER;
        }
        return sysctls.ephemeral(localPort) ? Holder.CLIENT : Holder.UNKNOWN;
    }

    private void advise() {
        int range = sysctls.portRangeSize();
        if (timeWait < NOTABLE) {
            advice.add(String.format(Locale.ROOT, "%,d TIME_WAIT: normal. TIME_WAIT is how TCP keeps late packets of an old "
                    + "connection out of a new one; it costs about a few hundred bytes of kernel memory per socket.", timeWait));
        } else {
            advice.add(String.format(Locale.ROOT, "%,d TIME_WAIT (%,d held by servers, %,d by clients on this host).",
                    timeWait, serverTimeWait, clientTimeWait));
        }
        if (serverTimeWait >= NOTABLE) {
            PortCount top = topLocalPorts.stream().filter(p -> p.holder() == Holder.SERVER).findFirst().orElse(null);
            advice.add(String.format(Locale.ROOT, "The server%s closes connections first, so it keeps their TIME_WAIT. This does "
                    + "not use up its ports (every accepted connection shares the listening port), but it fills the kernel's "
                    + "tables and the socket lists that monitoring scans.", top == null ? "" : " on port " + top.port()));
            advice.add("Fix: let the client close first. Policy 'client-first' moves TIME_WAIT to the clients (each keeps only "
                    + "its own); 'safe-reset' waits for the client's FIN and answers with an RST, leaving no TIME_WAIT on either "
                    + "side and losing no byte; 'keep-alive' avoids most closes altogether.");
        }
        for (Destination d : topDestinations) {
            if (range > 0 && d.worstPeerPorts() >= range / 2) {
                advice.add(String.format(Locale.ROOT, "Clients here use %,d of %,d ephemeral ports towards one peer on port %d: "
                        + "new connections to it will soon fail with 'Cannot assign requested address'. Reuse connections "
                        + "(keep-alive, a pool); net.ipv4.tcp_tw_reuse=1 lets outgoing connections reuse TIME_WAIT ports.",
                        d.worstPeerPorts(), range, d.remotePort()));
            } else if (d.timeWait() >= NOTABLE) {
                advice.add(String.format(Locale.ROOT, "Clients on this host keep %,d TIME_WAIT towards port %d; harmless while the "
                        + "ephemeral range (%,d ports per peer) is far from full.", d.timeWait(), d.remotePort(), range));
            }
        }
        sysctls.tcpMaxTwBuckets().ifPresent(max -> {
            if (max > 0 && timeWait >= max * 8 / 10) {
                advice.add(String.format(Locale.ROOT, "TIME_WAIT is at %,d of tcp_max_tw_buckets %,d: beyond it the kernel drops "
                        + "TIME_WAIT sockets at once ('time wait bucket table overflow'), losing their protection.", timeWait, max));
            }
        });
        advice.add("net.ipv4.tcp_fin_timeout does NOT shorten TIME_WAIT: it bounds FIN_WAIT2 of orphaned sockets. TIME_WAIT "
                + "lasts 60 s on Linux, fixed at compile time.");
        advice.add("net.ipv4.tcp_tw_reuse only affects outgoing connections (connect()): it does nothing for a server's "
                + "TIME_WAIT. (tcp_tw_recycle, which broke clients behind NAT, was removed in Linux 4.12.)");
        advice.add("SO_LINGER 0 (close with RST) skips TIME_WAIT but throws away data not yet acknowledged: the end of a "
                + "response can be lost. It is only safe once every byte is acknowledged or in reply to the client's FIN, "
                + "which is what 'safe-reset' does.");
    }

    static String explainTwReuse(long v) {
        return switch ((int) v) {
            case 0 -> "off";
            case 1 -> "on for outgoing connections";
            case 2 -> "on for outgoing loopback connections only";
            default -> "value " + v;
        };
    }

    Map<String, Object> toJson() {
        Map<String, Object> o = Json.object();
        o.put("supported", true);
        o.put("port", portFilter);
        Map<String, Object> st = Json.object();
        states.entrySet().stream().sorted(Map.Entry.comparingByKey()).forEach(e -> st.put(e.getKey().name(), e.getValue()));
        o.put("states", st);
        o.put("timeWait", timeWait);
        o.put("serverTimeWait", serverTimeWait);
        o.put("clientTimeWait", clientTimeWait);
        List<Object> ports = new ArrayList<>();
        for (PortCount p : topLocalPorts) {
            Map<String, Object> m = Json.object();
            m.put("localPort", p.port());
            m.put("timeWait", p.timeWait());
            m.put("holder", p.holder().name().toLowerCase(Locale.ROOT));
            ports.add(m);
        }
        o.put("timeWaitByLocalPort", ports);
        List<Object> dests = new ArrayList<>();
        for (Destination d : topDestinations) {
            Map<String, Object> m = Json.object();
            m.put("remotePort", d.remotePort());
            m.put("clientTimeWait", d.timeWait());
            m.put("mostEphemeralPortsTowardsOnePeer", d.worstPeerPorts());
            dests.add(m);
        }
        o.put("clientTimeWaitByRemotePort", dests);
        Map<String, Object> eph = Json.object();
        eph.put("range", sysctls.hasPortRange() ? sysctls.portRangeLow() + "-" + sysctls.portRangeHigh() : null);
        eph.put("size", sysctls.portRangeSize());
        eph.put("portsInUse", ephemeralInUse);
        o.put("ephemeralPorts", eph);
        Map<String, Object> k = Json.object();
        k.put("tcp_tw_reuse", sysctls.tcpTwReuse().isPresent() ? sysctls.tcpTwReuse().getAsLong() : null);
        k.put("tcp_fin_timeout", sysctls.tcpFinTimeout().isPresent() ? sysctls.tcpFinTimeout().getAsLong() : null);
        k.put("tcp_max_tw_buckets", sysctls.tcpMaxTwBuckets().isPresent() ? sysctls.tcpMaxTwBuckets().getAsLong() : null);
        o.put("sysctls", k);
        o.put("advice", new ArrayList<Object>(advice));
        return o;
    }

    static Comparator<PortCount> byCount() {
        return Comparator.comparingLong(PortCount::timeWait).reversed();
    }
}
