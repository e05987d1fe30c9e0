package org.closepolicy.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.closepolicy.CloseEvent;
import org.closepolicy.ClosePolicy;
import org.closepolicy.testkit.Fds;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.Arguments;
import java.util.stream.Stream;

/**
 * The peer vanishes — every packet to and from the server port is dropped, so no FIN, RST or ACK arrives any more —
 * once in the middle of an 8 MB response (its window closed) and once right after a whole response it never
 * closes. The server must end both connections within the policy's bounds (flush timeout, client wait, ack wait,
 * lingering) and release their descriptors while the peer is still gone. A second case takes the link of a client
 * in a network namespace down in the middle of a response.
 */
class VanishingPeerClosesWithinBoundTest {

    private static final Duration FLUSH = Duration.ofSeconds(2);
    private static final int LARGE = 8_000_000;

    @BeforeAll
    static void needsPacketFilter() {
        PacketFilter.assumeAvailable();
    }

    static Stream<Arguments> cases() {
        return Stream.of(Adapter.values()).flatMap(a -> Stream.of(Scenario.values()).map(s -> Arguments.of(a, s)));
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("cases")
    void serverEndsBothConnectionsWithinBound(Adapter adapter, Scenario scenario) throws Exception {
        ClosePolicy policy = scenario.policy(FLUSH);
        try (ServerUnderTest server = ServerUnderTest.start(adapter, policy, ServerUnderTest.Options.loopback().idle(Duration.ofSeconds(30)));
             PacketFilter filter = PacketFilter.host()) {
            warmUp(server);
            int before = Fds.openCount();
            Socket mid = Peers.connect(server.address(), 16 * 1024);
            Socket after = Peers.connect(server.address(), 0);
            try {
                Peers.send(mid, Peers.get("/bytes?n=" + LARGE));
                Peers.readAtLeast(mid, 256 * 1024);
                Peers.send(after, Peers.get("/weather.xml"));
                assertThat(Peers.readResponse(after)).isEqualTo(200);

                long dropAt = System.nanoTime();
                filter.dropAll("lo", server.port());
                Duration bound = FLUSH.plus(scenario.waitBound()).plus(Scenario.SLACK);
                List<CloseEvent> events = server.events().awaitAtLeast(2, bound.plus(Duration.ofSeconds(5)));
                Duration took = Duration.ofNanos(System.nanoTime() - dropAt);
                assertThat(took).as("both connections closed after the peer vanished: %s", events).isLessThanOrEqualTo(bound);
                // The client sockets are still open; the server's two are gone.
                assertThat(Fds.awaitAtMost(before + 2, Duration.ofSeconds(5))).as("descriptors after the server closed")
                        .isLessThanOrEqualTo(before + 2);
                assertThat(server.stats().open()).isZero();
                Results.row("peer vanishes mid-response (8 MB) and after a response", adapter, scenario.preset(), 2, -1, 0,
                        server.events().maxCloseDuration(), server.timeWait().count().serverSide(), -1,
                        "both closed " + took.toMillis() + " ms after the drop; " + LossyRateLimitedLinkDeliversEveryByteTest.summary(events));
            } finally {
                Peers.closeQuietly(mid);
                Peers.closeQuietly(after);
            }
            assertThat(Fds.awaitAtMost(before, Duration.ofSeconds(5))).as("descriptors at the end").isLessThanOrEqualTo(before);
        }
    }

    @ParameterizedTest
    @EnumSource(Adapter.class)
    void linkDownMidResponse(Adapter adapter) throws Exception {
        NetNamespace.assumeAvailable();
        Scenario scenario = Scenario.SAFE_RESET;
        try (NetNamespace ns = NetNamespace.create();
             ServerUnderTest server = ServerUnderTest.start(adapter, scenario.policy(FLUSH),
                     ServerUnderTest.Options.loopback().bind(ns.hostAddress()))) {
            Process client = ns.startJava(NamespaceClient.class, List.of(ns.hostAddress().getHostAddress(),
                    new NamespaceClient.Job(server.port(), "STALL", "/bytes?n=" + LARGE, 1).arg()));
            BufferedReader out = new BufferedReader(new InputStreamReader(client.getInputStream(), StandardCharsets.UTF_8));
            String first = out.readLine();
            assertThat(first).as("client stalled in the middle of the response").isEqualTo("STALLED 0");
            assertThat(server.stats().open()).isEqualTo(1);
            int before = Fds.openCount();

            long downAt = System.nanoTime();
            ns.linkDown();
            Duration bound = FLUSH.plus(scenario.waitBound()).plus(Scenario.SLACK);
            CloseEvent e = server.events().awaitAtLeast(1, bound.plus(Duration.ofSeconds(5))).get(0);
            Duration took = Duration.ofNanos(System.nanoTime() - downAt);
            assertThat(took).as("closed after the link went down: %s", e).isLessThanOrEqualTo(bound);
            await().atMost(Duration.ofSeconds(5)).until(() -> Fds.openCount() <= before - 1);
            Results.row("link down mid-response (8 MB, client in a namespace)", adapter, scenario.preset(), 1, -1, 0,
                    e.closeDuration(), server.timeWait().count().serverSide(), -1,
                    "closed " + took.toMillis() + " ms after link down; " + e.whoClosed() + "/" + e.usedMode() + "/" + e.fallbackReason());
            OutputStream stdin = client.getOutputStream();
            stdin.close();
        }
    }

    /** One ordinary exchange first, so class loading and first-use costs do not count toward the bounds or descriptors. */
    static void warmUp(ServerUnderTest server) throws Exception {
        try (Socket s = Peers.connect(server.address(), 0)) {
            Peers.send(s, Peers.get("/weather.xml"));
            Peers.readResponse(s);
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> server.stats().open() == 0);
        server.events().awaitAtLeast(1, Duration.ofSeconds(10));
        server.events().clear();
    }
}
