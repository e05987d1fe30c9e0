package org.closepolicy.reliability;

/**
 * Random loss in both directions of a namespace's link, per server port: packet-filter {@code statistic}
 * ({@code --mode random}) DROP rules on the link's host end for packets toward the server, and inside the namespace
 * for packets toward the client. It works on any {@link NetNamespace} link, a veth pair or the TUN devices of a
 * {@link DelayLink}, since the rules match the receiving device. {@link #close()} removes exactly these rules, also
 * after a failure.
 * <pre>{@code
 * try (LinkLoss loss = LinkLoss.on(ns, 0.05)) {
 *     loss.add(server.port());
 *     ...
 *     assertThat(loss.droppedTowardServer()).isPositive();
 * }
 * }</pre>
 */
final class LinkLoss implements AutoCloseable {

    private final NetNamespace ns;
    private final double probability;
    private final PacketFilter hostSide;
    private final PacketFilter peerSide;

    private LinkLoss(NetNamespace ns, double probability) {
        this.ns = ns;
        this.probability = probability;
        this.hostSide = PacketFilter.host();
        this.peerSide = PacketFilter.in(ns.name());
    }

    /** Loss of {@code probability} in each direction of {@code ns}'s link, for the ports {@link #add added}. */
    static LinkLoss on(NetNamespace ns, double probability) {
        PacketFilter.assumeAvailable();
        return new LinkLoss(ns, probability);
    }

    /** Drops packets to and from the server port {@code port} at random, each direction on its own. */
    void add(int port) {
        hostSide.lossTo(ns.hostDevice(), port, probability);
        peerSide.lossFrom(ns.peerDevice(), port, probability);
    }

    /** Packets dropped so far on their way from the client to the servers. */
    long droppedTowardServer() {
        return hostSide.dropped();
    }

    /** Packets dropped so far on their way from the servers to the client. */
    long droppedTowardClient() {
        return peerSide.dropped();
    }

    /** Removes the rules of both sides; keeps going past a failure of one. */
    @Override
    public void close() {
        try {
            hostSide.close();
        } finally {
            peerSide.close();
        }
    }
}
