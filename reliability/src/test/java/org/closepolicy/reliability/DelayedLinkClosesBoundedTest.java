package org.closepolicy.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import org.closepolicy.CloseEvent;
import org.closepolicy.testkit.TimeWaitCounter;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The "delay 100 ms": a client in a namespace behind a {@link DelayLink} of 50 ms each way (a round trip of
 * 100 ms, what {@code netem delay 100ms} on one side of a link gives), under three modes per adapter:
 * <ul>
 *   <li>{@code client-first}: curl-like clients close after reading; the server records each close as the client's
 *       ({@code REMOTE_FIN}) after at least one round trip of waiting, and holds no TIME_WAIT;</li>
 *   <li>{@code safe-reset}, 1 MB responses: a curl-like client gets the RST in reply to its FIN, a client that never
 *       closes gets the ack-checked RST after the client wait; both get every byte (SHA-256), so no RST came before
 *       the last byte was acknowledged, and neither side holds TIME_WAIT;</li>
 *   <li>{@code server-fin}: the server closes first ({@code LOCAL_FIN}, its own TIME_WAIT) within the policy's bound.</li>
 * </ul>
 * Every response, carried over the delay, takes at least two round trips (connect, then request and response).
 */
class DelayedLinkClosesBoundedTest {

    private static final Duration ONE_WAY = Duration.ofMillis(50);
    private static final Duration FLUSH_BOUND = Duration.ofSeconds(10);
    private static final String SMALL = "/weather.xml";
    private static final String LARGE = "/bytes?n=" + Payloads.ONE_MB;

    private static DelayLink link;

    @BeforeAll
    static void createLink() {
        DelayLink.assumeAvailable();
        link = DelayLink.create(ONE_WAY);
    }

    @AfterAll
    static void removeLink() {
        if (link != null) {
            link.close();
        }
    }

    /** One client job and the mode of the server it talks to. */
    private record Planned(Scenario scenario, NamespaceClient.Job job, long bodyLength) {
    }

    @ParameterizedTest
    @EnumSource(Adapter.class)
    void everyModeClosesAsPlannedOverTheDelay(Adapter adapter) throws Exception {
        NetNamespace ns = link.namespace();
        Map<Scenario, ServerUnderTest> servers = new EnumMap<>(Scenario.class);
        // Rows already on a fresh server's port (an earlier client's TIME_WAIT on that ephemeral port) are not its own.
        Map<Scenario, TimeWaitCounter.Since> timeWait = new EnumMap<>(Scenario.class);
        try {
            for (Scenario s : List.of(Scenario.CLIENT_FIRST, Scenario.SAFE_RESET, Scenario.SERVER_FIN)) {
                ServerUnderTest started = ServerUnderTest.start(adapter, s.policy(FLUSH_BOUND),
                        ServerUnderTest.Options.loopback().bind(ns.hostAddress()).idle(FLUSH_BOUND));
                servers.put(s, started);
                timeWait.put(s, TimeWaitCounter.since(started.port()));
            }
            List<Planned> plan = List.of(
                    planned(servers, Scenario.CLIENT_FIRST, "CURL_LIKE", SMALL, 3, Payloads.SMALL),
                    planned(servers, Scenario.CLIENT_FIRST, "CURL_LIKE", LARGE, 1, Payloads.ONE_MB),
                    planned(servers, Scenario.SAFE_RESET, "CURL_LIKE", LARGE, 1, Payloads.ONE_MB),
                    planned(servers, Scenario.SAFE_RESET, "NEVER_CLOSE", LARGE, 1, Payloads.ONE_MB),
                    planned(servers, Scenario.SERVER_FIN, "CURL_LIKE", SMALL, 2, Payloads.SMALL),
                    planned(servers, Scenario.SERVER_FIN, "CURL_LIKE", LARGE, 1, Payloads.ONE_MB));

            NamespaceClient.Report report = NamespaceClient.run(ns, false, plan.stream().map(Planned::job).toList(), Duration.ofSeconds(60));
            List<NamespaceClient.Line> lines = report.lines();

            long twoRoundTrips = link.minimumRoundTrip().multipliedBy(2).toMillis();
            for (Scenario s : servers.keySet()) {
                ServerUnderTest server = servers.get(s);
                int connections = 0;
                long bytes = 0;
                for (int j = 0; j < plan.size(); j++) {
                    Planned p = plan.get(j);
                    if (p.scenario() != s) {
                        continue;
                    }
                    connections += p.job().count();
                    int job = j;
                    List<NamespaceClient.Line> mine = lines.stream().filter(l -> l.job() == job).toList();
                    assertThat(mine).as("responses of %s", p).hasSize(p.job().count());
                    for (NamespaceClient.Line l : mine) {
                        l.assertIntact(p.bodyLength(), p.job().style().equals("NEVER_CLOSE"), s);
                        assertThat(l.millis()).as("connect plus request and response over the delay: %s", l)
                                .isGreaterThanOrEqualTo(twoRoundTrips);
                        bytes += l.length();
                    }
                }
                Duration bound = FLUSH_BOUND.plus(s.waitBound()).plus(Scenario.SLACK);
                List<CloseEvent> events = server.events().awaitAtLeast(connections, bound);
                assertThat(events).as("close events under %s", s).hasSize(connections);
                for (CloseEvent e : events) {
                    assertThat(e.closeDuration()).as("close time under %s: %s", s, e).isLessThanOrEqualTo(bound);
                }
                TimeWaitCounter.Counts tw = timeWait.get(s).count();
                long twClient = report.timeWait(server.port());
                switch (s) {
                    case CLIENT_FIRST -> {
                        ExpectedCloses.clientFirst(events, tw.serverSide(), s.preset());
                        // The client's FIN comes back at the earliest one round trip after the last byte left.
                        assertThat(events).allSatisfy(e -> assertThat(e.closeDuration()).as("%s", e)
                                .isGreaterThanOrEqualTo(link.minimumRoundTrip()));
                    }
                    case SAFE_RESET -> ExpectedCloses.safeReset(events, 1, tw.serverSide(), twClient);
                    case SERVER_FIN -> ExpectedCloses.serverFin(events, tw.serverSide(), List.of());
                    default -> throw new IllegalStateException(s.toString());
                }
                Results.row("1.9 KB and 1 MB over 50 ms delay each way (100 ms RTT)", adapter, s.preset(), connections, bytes, 0,
                        server.events().maxCloseDuration(), tw.serverSide(), twClient,
                        LossyRateLimitedLinkDeliversEveryByteTest.summary(events) + "; slowest response "
                                + lines.stream().filter(l -> plan.get(l.job()).scenario() == s).mapToLong(NamespaceClient.Line::millis)
                                .max().orElse(0) + " ms");
            }
        } finally {
            servers.values().forEach(ServerUnderTest::close);
        }
    }

    private static Planned planned(Map<Scenario, ServerUnderTest> servers, Scenario s, String style, String path, int count,
                                   long bodyLength) {
        return new Planned(s, new NamespaceClient.Job(servers.get(s).port(), style, path, count), bodyLength);
    }
}
