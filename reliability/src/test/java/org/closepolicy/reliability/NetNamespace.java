package org.closepolicy.reliability;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A network namespace joined to this host by a link with a /30 of its own, so that a client can sit behind
 * a link the test shapes (a {@code tbf} rate limit), filters (loss, a vanished peer) or takes down. The link is a
 * veth pair, or another pair of devices a {@link Link} makes (the TUN devices of a {@link DelayLink}). The host end
 * gets {@code .1}, the namespace end {@code .2}; nothing else is routed. {@link #close()} deletes both, also
 * after a failure, and ends the client processes started in the namespace.
 * <pre>{@code
 * try (NetNamespace ns = NetNamespace.create()) {
 *     ns.rateLimitToPeer("24mbit");
 *     Process client = ns.startJava(NamespaceClient.class, "...");
 * }
 * }</pre>
 */
final class NetNamespace implements AutoCloseable {

    /**
     * Makes the two devices of the link in this host's namespace and removes them again; the namespace moves the
     * peer device into itself and gives both their addresses.
     */
    interface Link {
        /**
         * Creates {@code hostDevice} and {@code peerDevice}, both in this host's namespace; throws if it cannot,
         * having removed what it made.
         */
        void create(String hostDevice, String peerDevice);

        /** Removes both devices (wherever the peer device is now); returns what failed, or an empty string. */
        String remove(String hostDevice);
    }

    /** A veth pair: the kernel's own link, with no delay. */
    static final Link VETH = new Link() {
        @Override
        public void create(String hostDevice, String peerDevice) {
            Shell.check("ip", "link", "add", hostDevice, "type", "veth", "peer", "name", peerDevice);
        }

        @Override
        public String remove(String hostDevice) {
            Shell.Result r = Shell.run("ip", "link", "del", hostDevice);
            return r.ok() || r.output().contains("Cannot find device") ? "" : r.output().strip();
        }
    };

    private static final String PREFIX = "cprel";

    private final Link link;
    private final String name;
    private final String hostDevice;
    private final String peerDevice;
    private final InetAddress hostAddress;
    private final InetAddress peerAddress;
    private final List<Process> processes = new ArrayList<>();
    private boolean deviceCreated;

    private NetNamespace(Link link, String id, int secondOctet, int thirdOctet, int fourthBase) throws UnknownHostException {
        this.link = link;
        this.name = PREFIX + id;
        this.hostDevice = PREFIX + id + "h";
        this.peerDevice = PREFIX + id + "n";
        this.hostAddress = InetAddress.getByAddress(new byte[] {10, (byte) secondOctet, (byte) thirdOctet, (byte) (fourthBase + 1)});
        this.peerAddress = InetAddress.getByAddress(new byte[] {10, (byte) secondOctet, (byte) thirdOctet, (byte) (fourthBase + 2)});
    }

    /** Skips the calling test unless this process is root and {@code ip netns} and veth pairs and {@code tc} work. */
    static void assumeAvailable() {
        assumeNamespaces();
        assumeTrue(Shell.run("tc", "qdisc", "show", "dev", "lo").ok(), "rate-limited scenarios need 'tc' (iproute2)");
    }

    /** Skips the calling test unless this process is root and {@code ip netns} works. */
    static void assumeNamespaces() {
        assumeTrue(Shell.isRoot(), "network-namespace scenarios need root");
        assumeTrue(Shell.run("ip", "netns", "list").ok(), "network-namespace scenarios need 'ip netns' (iproute2)");
    }

    /** Creates a namespace, a veth pair and its addresses in 10.254/16, with names and a /30 not used on this host. */
    static NetNamespace create() {
        return create(VETH, 254);
    }

    /**
     * Creates a namespace joined by {@code link}, with names and a /30 in {@code 10.secondOctet/16} not used on this
     * host; on a failure removes what was made and rethrows.
     */
    static NetNamespace create(Link link, int secondOctet) {
        ThreadLocalRandom rnd = ThreadLocalRandom.current();
        String used = Shell.check("ip", "-o", "addr", "show");
        NetNamespace ns;
        try {
            do {
                ns = new NetNamespace(link, String.format("%06x", rnd.nextInt(1 << 24)), secondOctet, rnd.nextInt(256),
                        4 * rnd.nextInt(64));
            } while (used.contains(ns.hostAddress.getHostAddress() + "/") || used.contains(ns.hostDevice));
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
        try {
            ns.setUp();
        } catch (RuntimeException e) {
            ns.close();
            throw e;
        }
        return ns;
    }

    private void setUp() {
        Shell.check("ip", "netns", "add", name);
        link.create(hostDevice, peerDevice);
        deviceCreated = true;
        Shell.check("ip", "link", "set", peerDevice, "netns", name);
        Shell.check("ip", "addr", "add", hostAddress.getHostAddress() + "/30", "dev", hostDevice);
        Shell.check("ip", "link", "set", hostDevice, "up");
        Shell.check("ip", "-n", name, "addr", "add", peerAddress.getHostAddress() + "/30", "dev", peerDevice);
        Shell.check("ip", "-n", name, "link", "set", peerDevice, "up");
        Shell.check("ip", "-n", name, "link", "set", "lo", "up");
    }

    String name() {
        return name;
    }

    /** The link's end in this host's namespace (where the servers listen). */
    String hostDevice() {
        return hostDevice;
    }

    /** The link's end inside the namespace (the client's side). */
    String peerDevice() {
        return peerDevice;
    }

    InetAddress hostAddress() {
        return hostAddress;
    }

    InetAddress peerAddress() {
        return peerAddress;
    }

    /**
     * Limits the host-to-namespace direction (server to client) to {@code rate} with a token bucket
     * ({@code tbf}); the queue holds at most 400 ms of data, beyond that packets are dropped as on a real link.
     */
    void rateLimitToPeer(String rate) {
        Shell.check("tc", "qdisc", "add", "dev", hostDevice, "root", "tbf", "rate", rate, "burst", "32kb", "latency", "400ms");
    }

    /**
     * Makes this host's TCP use the congestion control {@code algorithm} (as in {@code tcp_available_congestion_control})
     * for every connection over this link, whatever the host's default: the link's route gets {@code congctl}, and
     * the servers' accepted connections take it from there.
     */
    void congestionControl(String algorithm) {
        byte[] network = hostAddress.getAddress();
        network[3]--;
        String prefix;
        try {
            prefix = InetAddress.getByAddress(network).getHostAddress() + "/30";
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
        Shell.check("ip", "route", "replace", prefix, "dev", hostDevice, "proto", "kernel", "scope", "link",
                "src", hostAddress.getHostAddress(), "congctl", algorithm);
    }

    /** Takes the link down on both ends: the peer vanishes without a FIN or an RST. */
    void linkDown() {
        Shell.check("ip", "link", "set", hostDevice, "down");
        Shell.check("ip", "-n", name, "link", "set", peerDevice, "down");
    }

    /** Starts {@code main} of the test classpath in a JVM inside the namespace; stdout is read by the caller. */
    Process startJava(Class<?> main, List<String> args) {
        List<String> cmd = new ArrayList<>(List.of("ip", "netns", "exec", name));
        cmd.addAll(Jvm.command(main, args));
        try {
            Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
            processes.add(p);
            return p;
        } catch (IOException e) {
            throw new IllegalStateException("could not start " + main.getName() + " in namespace " + name, e);
        }
    }

    /** Ends the namespace's processes, deletes the link (and its qdisc) and the namespace; keeps going past failures. */
    @Override
    public void close() {
        for (Process p : processes) {
            p.destroyForcibly();
        }
        for (Process p : processes) {
            try {
                p.waitFor(10, java.util.concurrent.TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        StringBuilder failures = new StringBuilder();
        if (deviceCreated) {
            String failed = link.remove(hostDevice);
            if (!failed.isEmpty()) {
                failures.append(failed).append('\n');
            }
        }
        Shell.Result r = Shell.run("ip", "netns", "del", name);
        if (!r.ok() && !r.output().contains("No such file")) {
            failures.append(r.output().strip()).append('\n');
        }
        if (failures.length() > 0) {
            throw new IllegalStateException("could not remove namespace " + name + ": " + failures);
        }
    }
}
