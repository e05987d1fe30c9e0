package org.closepolicy.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.closepolicy.ClosePolicies;
import org.closepolicy.testkit.LoadResult;
import org.closepolicy.testkit.LoadRunner;
import org.closepolicy.testkit.RawHttpClient;
import org.closepolicy.testkit.TimeWaitCounter;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Long runs per adapter: {@code reliability.soak.sequential} one-request connections one after another, split evenly
 * over the four modes (a fresh server each, so TIME_WAIT is counted per mode on its own port), then
 * {@code reliability.soak.concurrent} connections held open at the same time (from a separate client JVM) and then
 * served under {@code safe-reset}. No error, every body checked, TIME_WAIT where the mode puts it, and this JVM's
 * descriptors, threads and heap back to where they were.
 */
class SoakLeavesNoLeaksTest {

    private static final int SEQUENTIAL = Integer.getInteger("reliability.soak.sequential", 20_000);
    private static final int CONCURRENT = Integer.getInteger("reliability.soak.concurrent", 2_000);

    @ParameterizedTest
    @EnumSource(Adapter.class)
    void sequentialThenConcurrentWithoutLeaks(Adapter adapter) throws Exception {
        warmUp(adapter);
        Jvm.Snapshot before = Jvm.Snapshot.take();
        long started = System.nanoTime();
        int perMode = Math.max(1, SEQUENTIAL / Scenario.values().length);
        List<String> countersShort = new java.util.ArrayList<>();
        for (Scenario s : Scenario.values()) {
            sequential(adapter, s, perMode, countersShort);
        }
        concurrent(adapter);

        await("descriptors and threads back").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100))
                .until(() -> {
                    Jvm.Snapshot now = Jvm.Snapshot.take();
                    return now.fds() <= before.fds() + 8 && now.threads() <= before.threads() + 4;
                });
        Jvm.Snapshot after = Jvm.Snapshot.take();
        assertThat(after.heapMb()).as("heap growth: before %s, after %s", before, after).isLessThanOrEqualTo(before.heapMb() + 64);
        Results.row("soak totals (sequential + concurrent)", adapter, "all four", (long) perMode * Scenario.values().length + CONCURRENT,
                -1, 0, null, -1, -1, "before: " + before + "; after: " + after + "; "
                        + TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - started) + " s");
        // Last, so that a known deviation does not hide the checks above.
        KnownBugs.check(countersShort.isEmpty(), adapter, KnownBugs.BYTES_OUT_MISSING_ON_SERVER_FIN,
                "close events count fewer bytes out than the bodies sent: " + countersShort);
    }

    /** The {@code bytesOut} counter of the adapter's stats. */
    static long bytesOut(ServerUnderTest server) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("\"bytesOut\":(\\d+)").matcher(server.stats().toJson());
        return m.find() ? Long.parseLong(m.group(1)) : -1;
    }

    private static void sequential(Adapter adapter, Scenario s, int n, List<String> countersShort) {
        try (ServerUnderTest server = ServerUnderTest.start(adapter, s.policy(Duration.ofSeconds(5)),
                ServerUnderTest.Options.loopback().countOnly())) {
            RawHttpClient curl = RawHttpClient.builder(server.address()).path("/weather.xml").build();
            LoadResult r = LoadRunner.builder(curl).requests(n).concurrency(1).deadline(Duration.ofMinutes(15))
                    .expectSha256(Payloads.sha256(Payloads.SMALL)).build().run();
            assertThat(r.errors()).as("%s under %s: %s", adapter, s, r).isZero();
            assertThat(r.ok()).isEqualTo(n);
            await().atMost(s.waitBound().plus(Duration.ofSeconds(10))).pollInterval(Duration.ofMillis(20))
                    .until(() -> server.stats().closed() >= n);
            assertThat(server.stats().open()).isZero();
            if (bytesOut(server) < (long) n * Payloads.SMALL) {
                countersShort.add(s.preset() + " bytesOut=" + bytesOut(server));
            }
            TimeWaitCounter.Counts tw = server.timeWait().count();
            if (s.serverHoldsTimeWait()) {
                // The server does not wait for the client: its FIN races the client's own close after the body, so
                // only part of the TIME_WAIT lands here (the design's measurements show the same for curl and ab).
                assertThat(tw.serverSide()).as("server TIME_WAIT under %s", s).isGreaterThanOrEqualTo(n / 20);
            } else {
                assertThat(tw.serverSide()).as("server TIME_WAIT under %s", s).isLessThanOrEqualTo(n / 100);
            }
            if (s == Scenario.SAFE_RESET) {
                assertThat(tw.clientSide()).as("client TIME_WAIT under safe-reset").isLessThanOrEqualTo(n / 100);
            }
            Results.row("soak, sequential", adapter, s.preset(), n, r.bytesVerified(), r.errors(), null, tw.serverSide(),
                    tw.clientSide(), String.format(java.util.Locale.ROOT, "%.0f conn/s; %s", r.requestsPerSecond(),
                            server.stats().toJson().replaceAll("\"[A-Z_]+\":0,?", "")));
        }
    }

    private static void concurrent(Adapter adapter) throws Exception {
        Scenario s = Scenario.SAFE_RESET;
        try (ServerUnderTest server = ServerUnderTest.start(adapter, ClosePolicies.safeReset(),
                ServerUnderTest.Options.loopback().countOnly())) {
            Process client = Jvm.start(BurstClient.class, List.of(server.address().getAddress().getHostAddress(),
                    Integer.toString(server.port()), Integer.toString(CONCURRENT), "/weather.xml",
                    Integer.toString(Payloads.SMALL), Payloads.sha256(Payloads.SMALL)));
            try (BufferedReader out = new BufferedReader(new InputStreamReader(client.getInputStream(), StandardCharsets.UTF_8));
                 OutputStream in = client.getOutputStream()) {
                assertThat(out.readLine()).isEqualTo("CONNECTED " + CONCURRENT);
                await("all connections open on the server at once").atMost(Duration.ofSeconds(60))
                        .pollInterval(Duration.ofMillis(20)).until(() -> server.stats().open() == CONCURRENT);
                in.write("GO\n".getBytes(StandardCharsets.US_ASCII));
                in.flush();
                String burst = out.readLine();
                String twLine = out.readLine();
                assertThat(burst).as("client report").startsWith("BURST ");
                String[] f = burst.split(" ", 5);
                int ok = Integer.parseInt(f[1]);
                int errors = Integer.parseInt(f[2]);
                long bytes = Long.parseLong(f[3]);
                assertThat(errors).as("errors of the concurrent burst, first: %s", f[4]).isZero();
                assertThat(ok).isEqualTo(CONCURRENT);
                assertThat(client.waitFor(30, TimeUnit.SECONDS)).isTrue();
                await().atMost(s.waitBound().plus(Duration.ofSeconds(20))).pollInterval(Duration.ofMillis(20))
                        .until(() -> server.stats().open() == 0);
                TimeWaitCounter.Counts tw = server.timeWait().count();
                long twClient = Long.parseLong(twLine.split(" ")[1]);
                assertThat(tw.serverSide()).as("server TIME_WAIT").isLessThanOrEqualTo(CONCURRENT / 100);
                assertThat(twClient).as("client TIME_WAIT").isLessThanOrEqualTo(CONCURRENT / 100);
                Results.row("soak, " + CONCURRENT + " open at once", adapter, "safe-reset", CONCURRENT, bytes, errors, null,
                        tw.serverSide(), twClient, server.stats().toJson().replaceAll("\"[A-Z_]+\":0,?", ""));
            } finally {
                client.destroyForcibly();
            }
        }
    }

    /** Loads classes and starts the process-wide helpers (ack watcher, client watchdog) before the first snapshot. */
    private static void warmUp(Adapter adapter) {
        for (Scenario s : Scenario.values()) {
            try (ServerUnderTest server = ServerUnderTest.start(adapter, s.policy(Duration.ofSeconds(5)),
                    ServerUnderTest.Options.loopback().countOnly())) {
                RawHttpClient curl = RawHttpClient.builder(server.address()).path("/weather.xml").build();
                LoadRunner.builder(curl).requests(200).concurrency(4).build().run();
                await().atMost(Duration.ofSeconds(20)).until(() -> server.stats().open() == 0);
            }
        }
    }
}
