package org.closepolicy.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.closepolicy.CloseEvent;
import org.closepolicy.ClosePolicy;
import org.closepolicy.RetireReason;
import org.closepolicy.StandardClosePolicy;
import org.closepolicy.testkit.Fds;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The first scenario, loss and delay at once: 1 MiB responses to a client in a namespace behind a
 * {@link DelayLink} of 50 ms each way (100 ms round trip) that also drops 5 % of the packets in each direction at
 * random ({@link LinkLoss} on the delay line's TUN devices). The servers send with CUBIC, the kernel's default
 * congestion control, whatever this host uses ({@code congctl} on the link's route), so the transfer is as slow as
 * loss makes a loss-based sender: tens of KB/s, several seconds per 1 MiB, more than a minute for all of them one after
 * another. So every preset of both adapters runs at the same time, each on its own server, with all clients in one
 * client JVM: {@code server-fin}, {@code lingering}, {@code client-first} and {@code safe-reset} with curl-like
 * clients (read the whole body, check its SHA-256, close), {@code safe-reset} also with a client that never closes
 * (the ack-checked RST), and {@code keep-alive} with a client that makes two small requests and then the 1 MiB one on
 * one connection and closes. Every body must arrive whole with no read error (an RST before the last byte would show
 * as a reset or a short body), every close end within the policy's {@code Retire.maxCloseTime()} plus
 * {@link #MARGIN}, each preset close the way it promises (who, how, TIME_WAIT), and the descriptors come back to
 * their level before the servers started.
 */
class LossyDelayedLinkTest {

    private static final Duration ONE_WAY = Duration.ofMillis(50);
    private static final double LOSS = 0.05;
    private static final String CONGESTION_CONTROL = "cubic";
    private static final int BODY = 1_048_576;
    private static final String LARGE = "/bytes?n=" + BODY;
    private static final String SMALL = "/weather.xml";
    /** What the keep-alive client fetches on its connection, in order. */
    private static final List<String> KEEP_ALIVE_PATHS = List.of(SMALL, SMALL, LARGE);
    /** Curl-like (and keep-alive) connections per preset and adapter (more: -Dreliability.lossdelay.connections=N). */
    private static final int CONNECTIONS = Integer.getInteger("reliability.lossdelay.connections", 1);
    /**
     * Long enough for 1 MiB over this link: about 10 to 25 s, longer on a bad draw of the losses (also Jetty's idle
     * timeout).
     */
    private static final Duration FLUSH = Duration.ofSeconds(45);
    /**
     * The bounds of every preset here: {@link #FLUSH}, and a client wait of 5 s rather than the 1 s of the other
     * scenarios. The client wait starts once the response is written to the kernel, not once it is acknowledged, and
     * what is still in the send buffer then takes this link more than a second to deliver: with 1 s, the curl-like
     * client's FIN came too late and the server fell back to the ack-checked RST (safe, but not a client-first close).
     */
    private static final String BOUNDS = ", close.flush-timeout=" + FLUSH.toSeconds() + "s"
            + ", close.client-wait=5s, close.ack-wait=2s, close.linger-time=3s, close.linger-timeout=1s";
    /**
     * Added to the policy's bound: {@link Scenario#SLACK} for timers on a busy machine, and one more second for the
     * link, where a lost FIN or ACK is only repeated after a retransmission timeout (at least 300 ms at this RTT).
     */
    private static final Duration MARGIN = Scenario.SLACK.plus(Duration.ofSeconds(1));
    /** The client JVM is ended (and the test fails) if its connections are not all done by then. */
    private static final Duration CLIENT_DEADLINE = Duration.ofSeconds(55);

    private static DelayLink link;

    /** The presets, each with the styles of its clients. */
    private enum Preset {
        SERVER_FIN("server-fin", "CURL_LIKE"),
        LINGERING("lingering", "CURL_LIKE"),
        CLIENT_FIRST("client-first", "CURL_LIKE"),
        SAFE_RESET("safe-reset", "CURL_LIKE", "NEVER_CLOSE"),
        KEEP_ALIVE("keep-alive", "KEEP_ALIVE");

        final String specName;
        final StandardClosePolicy policy;
        final List<String> styles;

        Preset(String specName, String... styles) {
            this.specName = specName;
            this.policy = ClosePolicy.parse(specName + BOUNDS);
            this.styles = List.of(styles);
        }

        /** The policy's own bound on the time from retirement to closed. */
        Duration bound() {
            return policy.defaults().retire(RetireReason.MAX_REQUESTS).maxCloseTime();
        }
    }

    /** One server: an adapter under one preset. */
    private record Served(Adapter adapter, Preset preset, ServerUnderTest server) {
    }

    /** One client job, toward one server, and the body lengths each of its connections must get, in order. */
    private record Planned(Served served, NamespaceClient.Job job, List<Long> bodies) {
        static Planned of(Served served, String style) {
            List<String> paths = style.equals("KEEP_ALIVE") ? KEEP_ALIVE_PATHS : List.of(LARGE);
            int connections = style.equals("NEVER_CLOSE") ? 1 : CONNECTIONS;
            return new Planned(served, new NamespaceClient.Job(served.server().port(), style, String.join("|", paths), connections),
                    paths.stream().map(p -> p.equals(SMALL) ? (long) Payloads.SMALL : BODY).toList());
        }
    }

    @BeforeAll
    static void createLink() {
        DelayLink.assumeAvailable();
        PacketFilter.assumeAvailable();
        assumeTrue(Shell.run("cat", "/proc/sys/net/ipv4/tcp_available_congestion_control").output().contains(CONGESTION_CONTROL),
                "the loss-and-delay scenario needs the kernel's " + CONGESTION_CONTROL + " congestion control");
        link = DelayLink.create(ONE_WAY);
        link.namespace().congestionControl(CONGESTION_CONTROL);
    }

    @AfterAll
    static void removeLink() {
        if (link != null) {
            link.close();
        }
    }

    @Test
    void everyPresetOfBothAdaptersDeliversEveryByteAndClosesInBound() throws Exception {
        NetNamespace ns = link.namespace();
        for (Adapter adapter : Adapter.values()) {
            // One exchange with a throwaway server first, so the classes (and jars) it needs count toward the baseline.
            try (ServerUnderTest first = ServerUnderTest.start(adapter, Preset.SERVER_FIN.policy)) {
                VanishingPeerClosesWithinBoundTest.warmUp(first);
            }
        }
        int fdsBefore = Fds.openCount();
        List<Served> servers = new ArrayList<>();
        try (LinkLoss loss = LinkLoss.on(ns, LOSS)) {
            List<Planned> plan = new ArrayList<>();
            for (Adapter adapter : Adapter.values()) {
                for (Preset p : Preset.values()) {
                    Served served = new Served(adapter, p, ServerUnderTest.start(adapter, p.policy,
                            ServerUnderTest.Options.loopback().bind(ns.hostAddress()).idle(FLUSH)));
                    servers.add(served);
                    loss.add(served.server().port());
                    p.styles.forEach(style -> plan.add(Planned.of(served, style)));
                }
            }

            long t0 = System.nanoTime();
            NamespaceClient.Report report = NamespaceClient.run(ns, true, plan.stream().map(Planned::job).toList(), CLIENT_DEADLINE);
            long clientMillis = Duration.ofNanos(System.nanoTime() - t0).toMillis();

            // The faults were really there.
            long towardServers = loss.droppedTowardServer();
            long towardClient = loss.droppedTowardClient();
            assertThat(towardServers).as("packets dropped toward the servers").isPositive();
            assertThat(towardClient).as("packets dropped toward the client").isPositive();

            for (Served served : servers) {
                checkServer(served, plan, report, "all clients done in " + clientMillis + " ms; dropped " + towardServers
                        + " packets toward the servers, " + towardClient + " toward the client (all servers)");
            }
        } finally {
            servers.forEach(s -> s.server().close());
        }
        assertThat(Fds.awaitAtMost(fdsBefore, Duration.ofSeconds(10))).as("descriptors after the servers stopped")
                .isLessThanOrEqualTo(fdsBefore);
    }

    /** Checks one server's responses and closes, and writes its result row. */
    private static void checkServer(Served served, List<Planned> plan, NamespaceClient.Report report, String notes) {
        Preset p = served.preset();
        String what = served.adapter() + " " + p.specName;
        int connections = 0;
        long bytes = 0;
        long slowest = 0;
        for (int j = 0; j < plan.size(); j++) {
            Planned planned = plan.get(j);
            if (planned.served() != served) {
                continue;
            }
            connections += planned.job().count();
            List<NamespaceClient.Line> mine = report.ofJob(j);
            assertThat(mine).as("responses of %s %s", what, planned.job()).hasSize(planned.job().count() * planned.bodies().size());
            for (int i = 0; i < mine.size(); i++) {
                NamespaceClient.Line l = mine.get(i);
                l.assertIntact(planned.bodies().get(i % planned.bodies().size()), planned.job().style().equals("NEVER_CLOSE"),
                        what + " " + planned.job());
                bytes += l.length();
                slowest = Math.max(slowest, l.millis());
            }
        }
        ServerUnderTest server = served.server();
        Duration bound = p.bound().plus(MARGIN);
        List<CloseEvent> events = server.events().awaitAtLeast(connections, bound);
        assertThat(events).as("close events of %s", what).hasSize(connections);
        for (CloseEvent e : events) {
            assertThat(e.closeDuration()).as("close time of %s: %s", what, e).isLessThanOrEqualTo(bound);
        }
        long twServer = server.timeWait().count().serverSide();
        long twClient = report.timeWait(server.port());
        switch (p) {
            case SERVER_FIN -> ExpectedCloses.serverFin(events, twServer, server.timeWait().rows());
            case LINGERING -> ExpectedCloses.lingering(events);
            case CLIENT_FIRST -> ExpectedCloses.clientFirst(events, twServer, p.specName);
            case SAFE_RESET -> ExpectedCloses.safeReset(events, 1, twServer, twClient);
            case KEEP_ALIVE -> {
                ExpectedCloses.clientFirst(events, twServer, p.specName);
                assertThat(events).as("keep-alive reused its connections").allSatisfy(e ->
                        assertThat(e.requestsServed()).as("%s", e).isEqualTo(KEEP_ALIVE_PATHS.size()));
            }
            default -> throw new IllegalStateException(p.toString());
        }
        Results.row("1 MiB, 5 % loss + 50 ms delay each way (100 ms RTT)", served.adapter(), p.specName, connections, bytes, 0,
                server.events().maxCloseDuration(), twServer, twClient,
                LossyRateLimitedLinkDeliversEveryByteTest.summary(events) + "; slowest connection " + slowest + " ms; " + notes);
    }
}
