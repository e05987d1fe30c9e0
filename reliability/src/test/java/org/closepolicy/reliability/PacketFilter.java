package org.closepolicy.reliability;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/**
 * Packet-filter rules a scenario adds (loss with the {@code statistic} match, a vanished peer with a DROP of
 * everything on one port) and removes again, exactly those, on {@link #close()} — also when the test fails.
 * Rules are always bound to the test's own port, and to the loopback device or a veth the test created.
 * <pre>{@code
 * try (PacketFilter f = PacketFilter.host()) {
 *     f.dropAll("lo", port);                  // the peer vanishes
 *     ...
 * }
 * }</pre>
 */
final class PacketFilter implements AutoCloseable {

    private static volatile String binary;

    private final List<String> prefix;
    private final Deque<List<String>> added = new ArrayDeque<>();

    private PacketFilter(List<String> prefix) {
        this.prefix = prefix;
    }

    /** Skips the calling test unless this process is root and a working {@code iptables} is installed. */
    static void assumeAvailable() {
        assumeTrue(Shell.isRoot(), "packet-filter scenarios need root");
        assumeTrue(binary() != null, "packet-filter scenarios need the iptables package (iptables or iptables-legacy)");
    }

    /** The iptables command that works here (the nft backend first, then legacy), or null. */
    static String binary() {
        String b = binary;
        if (b == null) {
            for (String candidate : List.of("iptables", "iptables-legacy")) {
                if (Shell.run(candidate, "-w", "-n", "-L", "INPUT").ok()) {
                    b = candidate;
                    break;
                }
            }
            binary = b;
        }
        return b;
    }

    /** Rules in this process's (the host's) network namespace. */
    static PacketFilter host() {
        return new PacketFilter(List.of(binary(), "-w"));
    }

    /** Rules inside the network namespace {@code ns}. */
    static PacketFilter in(String ns) {
        return new PacketFilter(List.of("ip", "netns", "exec", ns, binary(), "-w"));
    }

    /** Drops, with probability {@code p}, packets arriving on {@code device} for local port {@code port}. */
    void lossTo(String device, int port, double p) {
        insert(List.of("INPUT", "-i", device, "-p", "tcp", "--dport", Integer.toString(port),
                "-m", "statistic", "--mode", "random", "--probability", Double.toString(p), "-j", "DROP"));
    }

    /** Drops, with probability {@code p}, packets arriving on {@code device} from remote port {@code port}. */
    void lossFrom(String device, int port, double p) {
        insert(List.of("INPUT", "-i", device, "-p", "tcp", "--sport", Integer.toString(port),
                "-m", "statistic", "--mode", "random", "--probability", Double.toString(p), "-j", "DROP"));
    }

    /** Drops every packet arriving on {@code device} to or from {@code port}: the peer is gone. */
    void dropAll(String device, int port) {
        insert(List.of("INPUT", "-i", device, "-p", "tcp", "--dport", Integer.toString(port), "-j", "DROP"));
        insert(List.of("INPUT", "-i", device, "-p", "tcp", "--sport", Integer.toString(port), "-j", "DROP"));
    }

    /** Packets dropped so far by the rules of this filter (from the rule counters). */
    long dropped() {
        long sum = 0;
        for (String line : Shell.check(cmd(List.of("-n", "-v", "-x", "-L", "INPUT"))).split("\n")) {
            String[] f = line.trim().split("\\s+");
            if (f.length > 3 && f[2].equals("DROP") && matchesOurs(line)) {
                sum += Long.parseLong(f[0]);
            }
        }
        return sum;
    }

    private boolean matchesOurs(String line) {
        for (List<String> rule : added) {
            int i = rule.indexOf("--dport");
            int j = rule.indexOf("--sport");
            String port = i >= 0 ? "dpt:" + rule.get(i + 1) : "spt:" + rule.get(j + 1);
            String device = rule.get(rule.indexOf("-i") + 1);
            if (line.contains(port) && line.contains(" " + device + " ")) {
                return true;
            }
        }
        return false;
    }

    private void insert(List<String> rule) {
        List<String> args = new ArrayList<>(List.of("-I"));
        args.addAll(rule);
        Shell.check(cmd(args));
        added.push(rule);
    }

    private String[] cmd(List<String> args) {
        List<String> all = new ArrayList<>(prefix);
        all.addAll(args);
        return all.toArray(String[]::new);
    }

    /** Removes every rule this filter added, newest first; keeps going past failures. */
    @Override
    public void close() {
        StringBuilder failures = new StringBuilder();
        while (!added.isEmpty()) {
            List<String> rule = added.pop();
            List<String> args = new ArrayList<>(List.of("-D"));
            args.addAll(rule);
            Shell.Result r = Shell.run(List.of(cmd(args)));
            if (!r.ok()) {
                failures.append(r.output().strip()).append('\n');
            }
        }
        if (failures.length() > 0) {
            throw new IllegalStateException("could not remove packet-filter rules: " + failures);
        }
    }
}
