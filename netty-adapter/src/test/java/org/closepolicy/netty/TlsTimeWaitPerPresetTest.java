package org.closepolicy.netty;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.closepolicy.CloseMode;
import org.closepolicy.ClosePolicies;
import org.closepolicy.CloseStats;
import org.closepolicy.Preset;
import org.closepolicy.WhoClosed;
import org.closepolicy.testkit.DeterministicBytes;
import org.closepolicy.testkit.TimeWaitCounter;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Over TLS, one-request connections from a curl-like client (reads the body, sends {@code close_notify}, closes)
 * leave TIME_WAIT where the preset says, as in plain HTTP: the {@code SslHandler}'s {@code close_notify} and the
 * peer's {@code close_notify} change nothing about who sends the first FIN. Counted from the kernel table.
 *
 * <p>Server-fin differs from plain HTTP in the counts only: the server's {@code close_notify} usually reaches the
 * client after the body, unread, and a client that closes with unread data sends an RST (RFC 2525 §2.17), which
 * removes the TIME_WAIT of both sides; the client's own {@code close_notify}, sent to a socket the server has
 * closed, draws an RST from the server's kernel. How many TIME_WAIT entries remain, and on which side, is timing; the
 * test asserts that the server closes first on every connection.
 */
class TlsTimeWaitPerPresetTest {

    private static final int N = 100;

    static Stream<Arguments> runs() {
        return Stream.of(
                Arguments.of(TestServer.Kind.NIO, Preset.SERVER_FIN),
                Arguments.of(TestServer.Kind.NIO, Preset.CLIENT_FIRST),
                Arguments.of(TestServer.Kind.NIO, Preset.SAFE_RESET),
                // epoll adds the TCP_INFO "not yet acknowledged" hint to the reset in reply to the client's FIN.
                Arguments.of(TestServer.Kind.EPOLL, Preset.SAFE_RESET));
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("runs")
    void timeWaitLandsWhereThePresetSays(TestServer.Kind kind, Preset preset) throws Exception {
        assumeThat(kind.available()).as("transport available").isTrue();
        assumeThat(TimeWaitCounter.supported()).as("kernel TCP table readable").isTrue();
        try (TestServer server = TestServer.tls(kind, ClosePolicies.of(preset), p -> p.addLast(new Apps.Fixed(Apps.SMALL)))) {
            TimeWaitCounter.Since timeWait = TimeWaitCounter.since(server.port()); // other sockets' rows on the port left out
            int ok = run(TlsHttpClient.curlLike(SelfSignedTls.get().client(), server.address()));
            assertThat(ok).isEqualTo(N);
            server.events.awaitAtLeast(N, Duration.ofSeconds(20));
            int onePercent = N / 100;
            TimeWaitCounter.Counts c = timeWait.count();
            CloseStats stats = server.closePolicy.stats();
            String seen = "server TW " + c.serverSide() + ", client TW " + c.clientSide() + ", " + stats.toJson();
            System.out.println("TLS TIME_WAIT " + kind + " " + preset + ": " + seen);
            switch (preset) {
                case SERVER_FIN -> {
                    assertThat(stats.whoClosed(WhoClosed.LOCAL_FIN)).as(seen).isEqualTo(N);
                    // A FIN, or a lingering close where the response was not yet proven acknowledged at the close
                    // (the client's close_notify would otherwise reset away what is unsent).
                    assertThat(stats.usedMode(CloseMode.FIN) + stats.usedMode(CloseMode.LINGER)).as(seen).isEqualTo(N);
                    // No count of the server's TIME_WAIT: the client's close_notify decides it. Sent to a socket
                    // the server has already closed, it is answered with an RST, which ends the server's side at
                    // once; read unread by the client, the server's close_notify makes the client's close an RST.
                    // Only a client that closes before either keeps the TIME_WAIT, and then on its own side.
                    assertThat(c.serverSide() + c.clientSide()).as(seen).isLessThanOrEqualTo(N);
                }
                case CLIENT_FIRST -> {
                    assertThat(stats.whoClosed(WhoClosed.REMOTE_FIN)).as(seen).isGreaterThanOrEqualTo(N - onePercent);
                    assertThat(c.serverSide()).as(seen).isLessThanOrEqualTo(onePercent);
                }
                case SAFE_RESET -> {
                    assertThat(stats.whoClosed(WhoClosed.REMOTE_FIN)).as(seen).isGreaterThanOrEqualTo(N - onePercent);
                    assertThat(stats.usedMode(CloseMode.RST)).as(seen).isGreaterThanOrEqualTo(N - onePercent);
                    assertThat(c.serverSide()).as(seen).isLessThanOrEqualTo(onePercent);
                    assertThat(c.clientSide()).as(seen).isLessThanOrEqualTo(onePercent);
                }
                default -> throw new AssertionError(preset);
            }
        }
    }

    /** N exchanges from 4 threads; returns how many were whole. */
    private static int run(TlsHttpClient client) throws Exception {
        String expected = DeterministicBytes.sha256Hex(Apps.SMALL);
        AtomicInteger next = new AtomicInteger();
        AtomicInteger ok = new AtomicInteger();
        List<String> errors = java.util.Collections.synchronizedList(new ArrayList<>());
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<?>> workers = new ArrayList<>();
            for (int w = 0; w < 4; w++) {
                workers.add(pool.submit(() -> {
                    while (next.getAndIncrement() < N) {
                        try {
                            TlsHttpClient.Result r = client.send("/weather.xml");
                            if (r.status() == 200 && r.bodySha256().equals(expected)) {
                                ok.incrementAndGet();
                            } else {
                                errors.add(r.toString());
                            }
                        } catch (Exception e) {
                            errors.add(e.toString());
                        }
                    }
                }));
            }
            for (Future<?> f : workers) {
                f.get(60, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(errors).as("client errors").isEmpty();
        return ok.get();
    }
}
