package org.closepolicy.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.closepolicy.CloseEvent;
import org.closepolicy.CloseMode;
import org.closepolicy.FallbackReason;
import org.closepolicy.WhoClosed;
import org.closepolicy.testkit.TimeWaitCounter;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * 1 MB responses over a rate-limited link ({@code tbf}, 24 Mbit/s toward the client) that drops 5 % of the packets
 * in each direction (packet-filter {@code statistic} match): every byte arrives (SHA-256), under every close mode, to
 * clients that close first and to clients that never close (where the ack-checked RST of rule 1 is the fallback);
 * an RST never costs the client a byte, and every close ends within its bound. The kernel here has no {@code netem}:
 * loss plus the rate limit make the slow, retransmitting link (the added delay is {@link DelayedLinkClosesBoundedTest}'s).
 */
class LossyRateLimitedLinkDeliversEveryByteTest {

    /** Connections per mode for a client that closes first (default 2; more: -Dreliability.loss.connections=N). */
    private static final int CONNECTIONS = Integer.getInteger("reliability.loss.connections", 2);
    private static final double LOSS = 0.05;
    private static final Duration FLUSH_BOUND = Duration.ofSeconds(30);

    private static NetNamespace ns;

    @BeforeAll
    static void createLink() {
        NetNamespace.assumeAvailable();
        PacketFilter.assumeAvailable();
        ns = NetNamespace.create();
        ns.rateLimitToPeer("24mbit");
    }

    @AfterAll
    static void removeLink() {
        if (ns != null) {
            ns.close();
        }
    }

    @ParameterizedTest
    @EnumSource(Adapter.class)
    void everyByteArrivesAndEveryCloseIsBounded(Adapter adapter) throws Exception {
        Map<Scenario, ServerUnderTest> servers = new HashMap<>();
        // Rows already on a fresh server's port (an earlier client's TIME_WAIT on that ephemeral port) are not its own.
        Map<Scenario, TimeWaitCounter.Since> timeWait = new HashMap<>();
        try (LinkLoss loss = LinkLoss.on(ns, LOSS)) {
            List<NamespaceClient.Job> jobs = new ArrayList<>();
            List<Scenario> jobScenario = new ArrayList<>();
            for (Scenario s : Scenario.values()) {
                ServerUnderTest server = ServerUnderTest.start(adapter, s.policy(FLUSH_BOUND),
                        ServerUnderTest.Options.loopback().bind(ns.hostAddress()).idle(FLUSH_BOUND));
                servers.put(s, server);
                timeWait.put(s, TimeWaitCounter.since(server.port()));
                loss.add(server.port());
                jobs.add(new NamespaceClient.Job(server.port(), "CURL_LIKE", "/bytes?n=" + Payloads.ONE_MB, CONNECTIONS));
                jobScenario.add(s);
                if (s.clientFirst()) {
                    jobs.add(new NamespaceClient.Job(server.port(), "NEVER_CLOSE", "/bytes?n=" + Payloads.ONE_MB, 1));
                    jobScenario.add(s);
                }
            }

            NamespaceClient.Report report = NamespaceClient.run(ns, false, jobs, Duration.ofSeconds(180));
            List<NamespaceClient.Line> lines = report.lines();

            // The faults were really there.
            assertThat(loss.droppedTowardServer()).as("packets dropped toward the servers").isPositive();
            assertThat(loss.droppedTowardClient()).as("packets dropped toward the client").isPositive();

            for (Scenario s : Scenario.values()) {
                ServerUnderTest server = servers.get(s);
                List<NamespaceClient.Line> mine = new ArrayList<>();
                int expected = 0;
                for (int j = 0; j < jobs.size(); j++) {
                    if (jobScenario.get(j) == s) {
                        expected += jobs.get(j).count();
                        for (NamespaceClient.Line l : lines) {
                            if (l.job() == j) {
                                mine.add(l);
                            }
                        }
                    }
                }
                assertThat(mine).as("responses of %s", s).hasSize(expected);
                for (NamespaceClient.Line l : mine) {
                    // The whole body, byte for byte: an RST, if any, came only after the last byte.
                    l.assertIntact(Payloads.ONE_MB, jobs.get(l.job()).style().equals("NEVER_CLOSE"), s);
                }
                List<CloseEvent> events = server.events().awaitAtLeast(expected, FLUSH_BOUND.plus(s.waitBound()));
                Duration bound = FLUSH_BOUND.plus(s.waitBound()).plus(Scenario.SLACK);
                for (CloseEvent e : events) {
                    assertThat(e.closeDuration()).as("close time under %s: %s", s, e).isLessThanOrEqualTo(bound);
                    if (e.usedMode() == CloseMode.RST && e.whoClosed() != WhoClosed.REMOTE_FIN) {
                        // An RST not in reply to the client's FIN must be the ack-checked one.
                        assertThat(e.fallbackReason()).as("unprompted RST under %s: %s", s, e)
                                .isEqualTo(FallbackReason.CLIENT_WAIT_EXPIRED);
                    }
                }
                if (s == Scenario.SAFE_RESET) {
                    assertThat(events).as("safe-reset used RST").anyMatch(e -> e.usedMode() == CloseMode.RST);
                }
                TimeWaitCounter.Counts tw = timeWait.get(s).count();
                if (!s.serverHoldsTimeWait()) {
                    assertThat(tw.serverSide()).as("server TIME_WAIT under %s", s).isZero();
                }
                long twClient = report.timeWait(server.port());
                if (s == Scenario.SAFE_RESET) {
                    assertThat(twClient).as("client TIME_WAIT under safe-reset").isZero();
                }
                long maxClose = events.stream().mapToLong(e -> e.closeDuration().toMillis()).max().orElse(0);
                long bytes = mine.stream().mapToLong(NamespaceClient.Line::length).sum();
                Results.row("1 MB over 24 Mbit/s + 5 % loss each way", adapter, s.preset(), mine.size(), bytes, 0,
                        Duration.ofMillis(maxClose), tw.serverSide(), twClient,
                        summary(events));
            }
        } finally {
            servers.values().forEach(ServerUnderTest::close);
        }
    }

    /** The used modes and fallbacks of a server's connections, for the result table. */
    static String summary(List<CloseEvent> events) {
        Map<String, Integer> m = new java.util.TreeMap<>();
        for (CloseEvent e : events) {
            String k = e.whoClosed() + "/" + e.usedMode() + (e.fallbackReason() == FallbackReason.NONE ? "" : "/" + e.fallbackReason());
            m.merge(k, 1, Integer::sum);
        }
        StringBuilder sb = new StringBuilder();
        m.forEach((k, v) -> sb.append(sb.length() == 0 ? "" : ", ").append(v).append("× ").append(k));
        return sb.toString();
    }
}
