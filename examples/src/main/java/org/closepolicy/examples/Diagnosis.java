package org.closepolicy.examples;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.closepolicy.kernel.KernelSettings;
import org.closepolicy.kernel.PortRange;
import org.closepolicy.kernel.TcpEntry;
import org.closepolicy.kernel.TcpSnapshot;
import org.closepolicy.kernel.TcpState;

/**
 * What {@code diagnose} concludes from one reading of the TCP table and the kernel settings: a pure
 * function of its inputs, so it is tested with made-up tables.
 *
 * <p>Thread-safety: immutable after construction.
 */
final class Diagnosis {

    /** Below this many TIME_WAIT sockets nothing is worth changing. */
    static final long NOTABLE = 1_000;

    /**
     * A port that is not listening but keeps TIME_WAIT towards this many peers was a server's: a
     * client's port keeps at most one TIME_WAIT per peer, and rarely has many peers at once.
     */
    static final long FORMER_SERVER_PEERS = 10;

    /** Server TIME_WAIT from at least this many connections before a proxy in front is worth naming. */
    static final long PROXY_MIN_TIME_WAIT = 200;
    /** A proxy in front: this many peer addresses at most... */
    static final int PROXY_MAX_PEERS = 3;
    /** ...hold at least this share of the server's TIME_WAIT. */
    static final double PROXY_SHARE = 0.8;

    /** Server-side TIME_WAIT towards one peer address (the port does not count). */
    record Peer(String address, long timeWait) {
    }

    /** TIME_WAIT on one local port, and who holds it. */
    record PortCount(int port, long timeWait, Holder holder) {
    }

    /** Who holds a TIME_WAIT socket. */
    enum Holder {
        SERVER("a server (listening port)"),
        FORMER_SERVER("a server that no longer listens (many peers on one port)"),
        CLIENT("clients (ephemeral port)"),
        UNKNOWN("unknown (neither listening nor ephemeral)");

        final String text;

        Holder(String text) {
            this.text = text;
        }
    }

    /** Client-side TIME_WAIT towards one remote port, and the most ephemeral ports used towards one peer on it. */
    record Destination(int remotePort, long timeWait, int worstPeerPorts) {
    }

    final Integer portFilter;
    final KernelSettings settings;
    final Optional<PortRange> range;
    final Map<TcpState, Long> states = new EnumMap<>(TcpState.class);
    final long timeWait;
    final long serverTimeWait;
    final long clientTimeWait;
    final List<PortCount> topLocalPorts;
    final List<Destination> topDestinations;
    final List<Peer> topServerPeers;
    /** The server's TIME_WAIT is concentrated on a few peer addresses: a reverse proxy or load balancer in front. */
    final boolean proxyInFront;
    final long ephemeralInUse;
    private final Set<Integer> listening = new HashSet<>();
    private final Map<Integer, Long> twPerLocalPort = new HashMap<>();
    final List<String> advice = new ArrayList<>();

    Diagnosis(TcpSnapshot snapshot, KernelSettings settings, Integer portFilter) {
        this.portFilter = portFilter;
        this.settings = settings;
        this.range = settings.ipLocalPortRange();
        List<TcpEntry> all = snapshot.entries();
        for (TcpEntry e : all) {
            if (e.state() == TcpState.LISTEN) {
                listening.add(e.local().getPort());
            }
        }
        for (TcpEntry e : all) {
            if (e.state() == TcpState.TIME_WAIT) {
                twPerLocalPort.merge(e.local().getPort(), 1L, Long::sum);
            }
        }
        Map<Integer, Long> byLocal = new HashMap<>();
        Map<Integer, Long> byRemote = new HashMap<>();
        Map<String, Long> byServerPeer = new HashMap<>();
        long server = 0;
        long client = 0;
        for (TcpEntry e : all) {
            int lp = e.local().getPort();
            int rp = e.remote().getPort();
            if (portFilter != null && lp != portFilter && rp != portFilter) {
                continue;
            }
            states.merge(e.state(), 1L, Long::sum);
            if (e.state() != TcpState.TIME_WAIT) {
                continue;
            }
            byLocal.merge(lp, 1L, Long::sum);
            Holder h = holder(lp);
            if (h == Holder.SERVER || h == Holder.FORMER_SERVER) {
                server++;
                byServerPeer.merge(e.remote().getAddress().getHostAddress(), 1L, Long::sum);
            } else if (h == Holder.CLIENT) {
                client++;
                byRemote.merge(rp, 1L, Long::sum);
            }
        }
        timeWait = states.getOrDefault(TcpState.TIME_WAIT, 0L);
        serverTimeWait = server;
        clientTimeWait = client;
        topServerPeers = byServerPeer.entrySet().stream()
                .sorted(Map.Entry.<String, Long>comparingByValue().reversed().thenComparing(Map.Entry.comparingByKey()))
                .limit(5).map(e -> new Peer(e.getKey(), e.getValue())).toList();
        long fewPeers = topServerPeers.stream().limit(PROXY_MAX_PEERS).mapToLong(Peer::timeWait).sum();
        proxyInFront = server >= PROXY_MIN_TIME_WAIT && fewPeers >= PROXY_SHARE * server;
        topLocalPorts = top(byLocal, 10).stream().map(e -> new PortCount(e.getKey(), e.getValue(), holder(e.getKey()))).toList();

        // connect() needs a local port not already used towards the same remote address and port,
        // so the ephemeral range runs out per peer, not for the host as a whole.
        Map<InetSocketAddress, Set<Integer>> portsPerPeer = new HashMap<>();
        Set<Integer> ephemeral = new HashSet<>();
        for (TcpEntry e : all) {
            int lp = e.local().getPort();
            if (e.state() != TcpState.LISTEN && holder(lp) == Holder.CLIENT) {
                ephemeral.add(lp);
                portsPerPeer.computeIfAbsent(e.remote(), k -> new HashSet<>()).add(lp);
            }
        }
        ephemeralInUse = ephemeral.size();
        List<Destination> dests = new ArrayList<>();
        for (Map.Entry<Integer, Long> e : top(byRemote, 5)) {
            int worst = 0;
            for (Map.Entry<InetSocketAddress, Set<Integer>> p : portsPerPeer.entrySet()) {
                if (p.getKey().getPort() == e.getKey()) {
                    worst = Math.max(worst, p.getValue().size());
                }
            }
            dests.add(new Destination(e.getKey(), e.getValue(), worst));
        }
        topDestinations = List.copyOf(dests);
        advise();
    }

    private static List<Map.Entry<Integer, Long>> top(Map<Integer, Long> counts, int limit) {
        return counts.entrySet().stream()
                .sorted(Map.Entry.<Integer, Long>comparingByValue().reversed().thenComparing(Map.Entry.comparingByKey()))
                .limit(limit).toList();
    }

    Holder holder(int localPort) {
        if (listening.contains(localPort)) {
            return Holder.SERVER;
        }
        if (twPerLocalPort.getOrDefault(localPort, 0L) >= FORMER_SERVER_PEERS) {
            return Holder.FORMER_SERVER;
        }
        return range.isPresent() && localPort >= range.get().low() && localPort <= range.get().high() ? Holder.CLIENT : Holder.UNKNOWN;
    }

    private void advise() {
        int rangeSize = range.map(PortRange::size).orElse(0);
        if (timeWait < NOTABLE) {
            advice.add(String.format(Locale.ROOT, "%,d TIME_WAIT: normal. TIME_WAIT keeps late packets of a closed connection out "
                    + "of a new one with the same ports; each costs a few hundred bytes of kernel memory. Nothing to fix.", timeWait));
        } else {
            advice.add(String.format(Locale.ROOT, "%,d TIME_WAIT: %,d kept by servers, %,d by clients on this host.", timeWait,
                    serverTimeWait, clientTimeWait));
        }
        if (serverTimeWait >= NOTABLE) {
            PortCount top = topLocalPorts.stream().filter(p -> p.holder() != Holder.CLIENT).findFirst().orElse(null);
            advice.add(String.format(Locale.ROOT, "The server%s closes connections first, so it keeps their TIME_WAIT. That does "
                    + "not use up its ports (every accepted connection shares the listening port), but it fills the kernel's "
                    + "tables and whatever scans them (ss, monitoring).", top == null ? "" : " on port " + top.port()));
            advice.add("Fix it by letting the client close first: policy 'client-first' moves TIME_WAIT to the clients (each "
                    + "keeps only its own); 'safe-reset' waits for the client's FIN and answers with an RST, so neither side "
                    + "keeps TIME_WAIT and no byte is lost; 'keep-alive' avoids most closes altogether.");
        }
        if (proxyInFront) {
            adviseProxy();
        }
        List<String> harmless = new ArrayList<>();
        for (Destination d : topDestinations) {
            if (rangeSize > 0 && d.worstPeerPorts() >= rangeSize / 2) {
                advice.add(String.format(Locale.ROOT, "Clients here use %,d of %,d ephemeral ports towards one peer on port %d: "
                        + "new connections to it will soon fail with 'Cannot assign requested address'. Reuse connections "
                        + "(keep-alive, a pool); net.ipv4.tcp_tw_reuse=1 lets new outgoing connections take over TIME_WAIT ports.",
                        d.worstPeerPorts(), rangeSize, d.remotePort()));
            } else if (d.timeWait() >= NOTABLE) {
                harmless.add(String.format(Locale.ROOT, "%,d towards port %d", d.timeWait(), d.remotePort()));
            }
        }
        if (!harmless.isEmpty()) {
            advice.add(String.format(Locale.ROOT, "Clients on this host keep TIME_WAIT (%s): harmless while the %,d ephemeral "
                    + "ports per peer are far from used up.", String.join(", ", harmless), rangeSize));
        }
        settings.tcpMaxTwBuckets().ifPresent(max -> {
            if (max > 0 && timeWait >= max * 8L / 10) {
                advice.add(String.format(Locale.ROOT, "TIME_WAIT is at %,d of tcp_max_tw_buckets %,d: beyond it the kernel drops "
                        + "new TIME_WAIT sockets at once ('time wait bucket table overflow') and loses their protection.",
                        timeWait, max));
            }
        });
        advice.add("net.ipv4.tcp_fin_timeout does NOT shorten TIME_WAIT: it bounds FIN_WAIT2 of orphaned sockets. "
                + "TIME_WAIT lasts 60 s on Linux, fixed when the kernel is built.");
        advice.add("net.ipv4.tcp_tw_reuse only affects new outgoing connections (connect()); it does nothing for a "
                + "server's TIME_WAIT. tcp_tw_recycle, which broke clients behind NAT, was removed in Linux 4.12.");
        advice.add("SO_LINGER 0 (close with an RST) skips TIME_WAIT but throws away data not yet acknowledged: the "
                + "client can lose the end of a response. It is safe only after every byte is acknowledged or in reply "
                + "to the client's FIN, which is what 'safe-reset' does.");
    }

    private void adviseProxy() {
        List<Peer> few = topServerPeers.stream().limit(PROXY_MAX_PEERS).filter(p -> p.timeWait() * 20 >= serverTimeWait).toList();
        long held = few.stream().mapToLong(Peer::timeWait).sum();
        String names = String.join(", ", few.stream().map(Peer::address).toList());
        advice.add(String.format(Locale.ROOT, "%,d of the server's %,d TIME_WAIT (%d %%) are towards %s (%s): a reverse proxy or "
                + "load balancer in front opens a new connection per request (or one client does). nginx's default proxy does "
                + "exactly that: HTTP/1.0 to the backend, without keep-alive.", held, serverTimeWait,
                Math.round(100.0 * held / Math.max(1, serverTimeWait)), few.size() == 1 ? "one peer address" : few.size() + " peer addresses",
                names));
        advice.add("Fix it in the proxy, by keeping its connections to the backend: "
                + "nginx: in the upstream block 'keepalive 32;', and where it proxies 'proxy_http_version 1.1; "
                + "proxy_set_header Connection \"\";' (proxy_pass to the upstream's name; measured: backend TIME_WAIT 0). "
                + "HAProxy: 'option http-keep-alive' (the default since 1.7; remove 'option httpclose' and "
                + "'option http-server-close') with 'http-reuse safe'. Envoy: the cluster's HTTP/1.1 connection pool keeps "
                + "upstream connections by default; check that max_requests_per_connection is not 1 and that "
                + "common_http_protocol_options.idle_timeout is shorter than the server's idle timeout.");
        String cidr = few.isEmpty() ? "ADDRESS/32" : few.get(0).address() + (few.get(0).address().contains(":") ? "/128" : "/32");
        advice.add("Meanwhile the policy: with 'client-first' or 'safe-reset' the server learns per peer address that the proxy "
                + "closes first after a response with a length, waits for its FIN and leaves the TIME_WAIT to the proxy "
                + "(to nobody with 'safe-reset'); a client that reads to EOF (ab) still gets a prompt FIN. Pin it for the "
                + "proxies with a rule: rule.proxy.when.cidr=" + cidr + ", rule.proxy.close.http10-first=client.");
    }

    static String explainTwReuse(int v) {
        return switch (v) {
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
        states.forEach((k, v) -> st.put(k.name(), v));
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
        List<Object> peers = new ArrayList<>();
        for (Peer p : topServerPeers) {
            Map<String, Object> m = Json.object();
            m.put("address", p.address());
            m.put("serverTimeWait", p.timeWait());
            peers.add(m);
        }
        o.put("serverTimeWaitByPeer", peers);
        o.put("proxyInFront", proxyInFront);
        Map<String, Object> eph = Json.object();
        eph.put("range", range.map(Object::toString).orElse(null));
        eph.put("size", range.map(PortRange::size).orElse(0));
        eph.put("portsInUse", ephemeralInUse);
        o.put("ephemeralPorts", eph);
        Map<String, Object> k = Json.object();
        k.put("tcp_tw_reuse", settings.tcpTwReuse().isPresent() ? settings.tcpTwReuse().getAsInt() : null);
        k.put("tcp_fin_timeout", settings.tcpFinTimeout().map(d -> d.toSeconds()).orElse(null));
        k.put("tcp_max_tw_buckets", settings.tcpMaxTwBuckets().isPresent() ? settings.tcpMaxTwBuckets().getAsInt() : null);
        o.put("sysctls", k);
        o.put("advice", new ArrayList<Object>(advice));
        return o;
    }
}
