package org.closepolicy.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.closepolicy.CloseEvent;
import org.closepolicy.ClosePolicy;
import org.closepolicy.testkit.Fds;
import org.closepolicy.testkit.HttpResult;
import org.closepolicy.testkit.RawHttpClient;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Peers that break the protocol, all at once against one server per adapter and mode: an RST in the middle of a
 * response and right after one, a half-close before any request, binary garbage held open, garbage lines, and
 * 64 KiB of request headers. Every connection must end within a bound (at once, or the 2 s idle timeout for a
 * peer that sends nothing parseable and holds), no descriptor may be left, and the server must go on serving.
 */
class HostilePeersCloseBoundedTest {

    private static final Duration IDLE = Duration.ofSeconds(2);

    /** What a hostile peer does; each returns what it saw, for the result notes. */
    enum Behaviour {
        RST_MID_RESPONSE(false),
        RST_AFTER_RESPONSE(false),
        HALF_CLOSE_BEFORE_REQUEST(false),
        BINARY_GARBAGE_HELD(true),
        GARBAGE_LINES(false),
        HUGE_HEADERS(false);

        /** Whether the server can only end it by a timeout (the peer sends nothing it can answer and holds). */
        final boolean endsByTimeout;

        Behaviour(boolean endsByTimeout) {
            this.endsByTimeout = endsByTimeout;
        }

        String run(Socket s) throws IOException {
            switch (this) {
                case RST_MID_RESPONSE -> {
                    Peers.send(s, Peers.get("/bytes?n=8000000"));
                    Peers.readAtLeast(s, 64 * 1024);
                    Peers.reset(s);
                    return "reset after 64 KiB";
                }
                case RST_AFTER_RESPONSE -> {
                    Peers.send(s, Peers.get("/weather.xml"));
                    int status = Peers.readResponse(s);
                    Peers.reset(s);
                    return "status " + status + ", then reset";
                }
                case HALF_CLOSE_BEFORE_REQUEST -> {
                    s.shutdownOutput();
                    return "half-closed; server " + Peers.awaitEnd(s, 10_000);
                }
                case BINARY_GARBAGE_HELD -> {
                    byte[] junk = new byte[2048];
                    new Random(7).nextBytes(junk);
                    for (int i = 0; i < junk.length; i++) {
                        if (junk[i] == '\n' || junk[i] == '\r') {
                            junk[i] = 0;
                        }
                    }
                    s.getOutputStream().write(junk);
                    s.getOutputStream().flush();
                    return "server " + Peers.awaitEnd(s, 10_000);
                }
                case GARBAGE_LINES -> {
                    Peers.send(s, "\u0001\u0002 hello there \u00ff\r\nnot: a request\r\n\r\n");
                    return "server " + firstLineAndEnd(s);
                }
                case HUGE_HEADERS -> {
                    StringBuilder sb = new StringBuilder("GET /weather.xml HTTP/1.1\r\nHost: test\r\n");
                    for (int i = 0; i < 64; i++) {
                        sb.append("X-Big-").append(i).append(": ").append("a".repeat(1000)).append("\r\n");
                    }
                    sb.append("\r\n");
                    try {
                        Peers.send(s, sb.toString());
                    } catch (IOException e) {
                        return "send failed: " + e.getMessage();
                    }
                    return "server " + firstLineAndEnd(s);
                }
                default -> throw new IllegalStateException();
            }
        }

        private static String firstLineAndEnd(Socket s) throws IOException {
            s.setSoTimeout(10_000);
            StringBuilder line = new StringBuilder();
            try {
                var in = s.getInputStream();
                for (int c; (c = in.read()) >= 0 && c != '\n'; ) {
                    line.append((char) c);
                }
            } catch (IOException e) {
                return "RST before a response";
            }
            return "'" + line.toString().trim() + "', then " + Peers.awaitEnd(s, 10_000);
        }
    }

    static Stream<Arguments> cases() {
        return Stream.of(Adapter.values()).flatMap(a -> Stream.of(Scenario.values()).map(s -> Arguments.of(a, s)));
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("cases")
    void everyHostilePeerEndsBoundedWithoutLeak(Adapter adapter, Scenario scenario) throws Exception {
        ClosePolicy policy = scenario.policy(Duration.ofSeconds(5), ", reuse.idle-timeout=" + IDLE.toSeconds() + "s");
        ExecutorService pool = Executors.newFixedThreadPool(Behaviour.values().length);
        try (ServerUnderTest server = ServerUnderTest.start(adapter, policy, ServerUnderTest.Options.loopback().idle(IDLE))) {
            VanishingPeerClosesWithinBoundTest.warmUp(server);
            int before = Fds.openCount();
            Map<Integer, Behaviour> byPort = new HashMap<>();
            List<Socket> sockets = new ArrayList<>();
            List<CompletableFuture<String>> seen = new ArrayList<>();
            for (Behaviour b : Behaviour.values()) {
                Socket s = Peers.connect(server.address(), b == Behaviour.RST_MID_RESPONSE ? 16 * 1024 : 0);
                sockets.add(s);
                byPort.put(s.getLocalPort(), b);
                seen.add(CompletableFuture.supplyAsync(() -> {
                    try {
                        return b.run(s);
                    } catch (IOException e) {
                        return "client saw " + e;
                    }
                }, pool));
            }
            List<CloseEvent> events = server.events().awaitAtLeast(Behaviour.values().length,
                    IDLE.plus(scenario.waitBound()).plus(Duration.ofSeconds(10)));
            Map<Behaviour, String> notes = new HashMap<>();
            for (int i = 0; i < seen.size(); i++) {
                notes.put(Behaviour.values()[i], seen.get(i).get(15, TimeUnit.SECONDS));
            }
            sockets.forEach(Peers::closeQuietly);

            Duration max = Duration.ZERO;
            CloseEvent resetMid = null;
            for (CloseEvent e : events) {
                Behaviour b = byPort.get(e.remoteAddress().getPort());
                assertThat(b).as("event of an unknown connection: %s", e).isNotNull();
                // A peer that sends nothing answerable waits out the idle timeout; all others end at once.
                Duration bound = (b.endsByTimeout ? IDLE : Duration.ZERO).plus(scenario.waitBound()).plus(Scenario.SLACK);
                assertThat(e.lifetime()).as("%s under %s: %s (client: %s)", b, scenario, e, notes.get(b)).isLessThanOrEqualTo(bound);
                max = e.lifetime().compareTo(max) > 0 ? e.lifetime() : max;
                notes.put(b, notes.get(b) + " → " + e.whoClosed() + "/" + e.usedMode());
                if (b == Behaviour.RST_MID_RESPONSE) {
                    resetMid = e;
                }
            }
            assertThat(server.stats().open()).isZero();
            assertThat(Fds.awaitAtMost(before, Duration.ofSeconds(5))).as("descriptors").isLessThanOrEqualTo(before);

            // Still serving.
            HttpResult ok = RawHttpClient.builder(server.address()).path("/weather.xml").build().send();
            assertThat(ok.ok()).as("server still serves: %s", ok).isTrue();
            assertThat(ok.bodySha256()).isEqualTo(Payloads.sha256(Payloads.SMALL));

            StringBuilder summary = new StringBuilder();
            for (Behaviour b : Behaviour.values()) {
                summary.append(summary.length() == 0 ? "" : "; ").append(b.name().toLowerCase(java.util.Locale.ROOT).replace('_', ' '))
                        .append(": ").append(notes.get(b));
            }
            Results.row("hostile peers (6 kinds at once)", adapter, scenario.preset(), Behaviour.values().length, -1, 0, max,
                    server.timeWait().count().serverSide(), server.timeWait().count().clientSide(),
                    summary.toString().replace("|", "/").replace(StandardCharsets.UTF_8.name(), ""));
            // Last, so that a known deviation does not hide the checks above.
            KnownBugs.check(resetMid != null && resetMid.whoClosed() == org.closepolicy.WhoClosed.REMOTE_RST, adapter,
                    KnownBugs.PEER_RESET_REPORTED_AS_LOCAL_FIN,
                    "the peer reset the connection in the middle of the response, but the close event says " + resetMid);
        } finally {
            pool.shutdownNow();
        }
    }
}
