package org.closepolicy.kernel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.closepolicy.kernel.AckWatcherTest.SERVER;
import static org.closepolicy.kernel.AckWatcherTest.client;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.closepolicy.kernel.AckWatcherTest.FakeTable;
import org.closepolicy.kernel.AckWatcherTest.Recorder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Where sock_diag cannot be opened or fails, the watcher answers from the table with the same meaning, and a
 * failed netlink query never acknowledges anything: unproven means no RST.
 */
class AckChecksFallBackToTheTableTest {

    private static final Duration DEADLINE = Duration.ofSeconds(10);

    private final List<AckWatcher> watchers = new ArrayList<>();
    private final AtomicLong now = new AtomicLong();
    private final FakeTable table = new FakeTable();
    private final AtomicInteger opens = new AtomicInteger();
    private final AtomicInteger closes = new AtomicInteger();

    @AfterEach
    void closeWatchers() {
        watchers.forEach(AckWatcher::close);
    }

    private AckWatcher watcher(SockDiagSendQueues.Opener opener) {
        AckWatcher w = AckWatcher.builder().nanoClock(now::get)
                .reader(() -> new SockDiagSendQueues(opener, new TableSendQueues(table, AckPath.PROC_NET_TCP)))
                .build();
        watchers.add(w);
        return w;
    }

    private SockDiagSendQueues.Opener failingOpen() {
        return () -> {
            opens.incrementAndGet();
            throw new IOException("JNA not on the class path");
        };
    }

    /** A netlink socket whose queries answer {@code queue} for every key, or fail while {@code failing} is set. */
    private SockDiagSendQueues.Opener query(long queue, AtomicInteger failuresLeft) {
        return () -> {
            opens.incrementAndGet();
            return new SockDiagSendQueues.Query() {
                @Override
                public void sendQueues(TupleKey[] keys, int n, long[] out) throws IOException {
                    if (failuresLeft.getAndUpdate(f -> Math.max(0, f - 1)) > 0) {
                        out[0] = 0; // a half-written answer must not leak out
                        throw new IOException("sock_diag answer of 9000 bytes truncated to 8192");
                    }
                    for (int i = 0; i < n; i++) {
                        out[i] = queue;
                    }
                }

                @Override
                public void close() {
                    closes.incrementAndGet();
                }
            };
        };
    }

    @Test
    void whenNetlinkCannotBeOpenedTheTableAnswersWithTheSameResults() {
        table.set(Map.of(client(0), 0L, client(1), 1500L));
        AckWatcher w = watcher(failingOpen());
        Recorder acked = new Recorder();
        Recorder gone = new Recorder();
        Recorder timedOut = new Recorder();

        w.watch(SERVER, client(0), Duration.ofSeconds(1), acked);
        w.watch(SERVER, client(2), Duration.ofSeconds(1), gone);
        w.watch(SERVER, client(1), Duration.ZERO, timedOut);

        await().atMost(DEADLINE).until(() -> acked.result != null && gone.result != null && timedOut.result != null);
        assertThat(acked.calls).containsExactly("ACKED:0");
        assertThat(gone.calls).containsExactly("GONE:-1");
        assertThat(timedOut.calls).containsExactly("TIMEOUT:1500");
        assertThat(w.path()).isEqualTo(AckPath.PROC_NET_TCP);
    }

    @Test
    void whenNetlinkFailsAndTheTableIsUnreadableNothingIsAcked() {
        table.current = TcpSnapshot.unsupported("no /proc");
        AckWatcher w = watcher(query(0, new AtomicInteger(Integer.MAX_VALUE)));
        Recorder rec = new Recorder();

        w.watch(SERVER, client(0), Duration.ofHours(1), rec);

        await().atMost(DEADLINE).until(() -> rec.result != null);
        assertThat(rec.calls).containsExactly("UNSUPPORTED:-1");
        assertThat(closes.get()).isEqualTo(opens.get()).isPositive();
    }

    @Test
    void aFailedQueryIsAnsweredByTheTableForThatTickAndNetlinkIsRetriedOnAFreshSocket() {
        table.set(Map.of(client(0), 4096L));
        AckWatcher w = watcher(query(0, new AtomicInteger(1)));
        Recorder rec = new Recorder();

        w.watch(SERVER, client(0), Duration.ofHours(1), rec);

        // Tick 1: netlink fails (its partial 0 is discarded), the table says 4096 queued: not acked.
        // Tick 2: a fresh netlink socket says 0: acked by sock_diag.
        await().atMost(DEADLINE).until(() -> rec.result != null);
        assertThat(rec.calls).containsExactly("ACKED:0");
        assertThat(table.reads.get()).isEqualTo(1);
        assertThat(opens.get()).isEqualTo(2);
        assertThat(closes.get()).isEqualTo(1);
        assertThat(w.path()).isEqualTo(AckPath.SOCK_DIAG);
    }

    @Test
    void aTupleTheKernelDoesNotKnowIsGoneNotAcked() {
        AckWatcher w = watcher(query(SockDiagCodec.ABSENT, new AtomicInteger()));
        Recorder rec = new Recorder();

        w.watch(SERVER, client(0), Duration.ofHours(1), rec);

        await().atMost(DEADLINE).until(() -> rec.result != null);
        assertThat(rec.calls).containsExactly("GONE:-1");
        assertThat(table.reads.get()).isZero();
    }

    @Test
    void closingTheWatcherClosesTheNetlinkSocket() {
        AckWatcher w = watcher(query(4096, new AtomicInteger()));
        Recorder rec = new Recorder();
        w.watch(SERVER, client(0), Duration.ofHours(1), rec);
        await().atMost(DEADLINE).until(() -> w.scans() >= 1);

        w.close();

        assertThat(rec.calls).containsExactly("CLOSED:4096");
        assertThat(closes.get()).isEqualTo(1);
    }

    @Test
    void whileNetlinkIsUndecidedTheTableAnswersWithoutCountingAFailure() {
        table.set(Map.of(client(0), 0L));
        AckWatcher w = watcher(() -> {
            opens.incrementAndGet();
            return null;
        });
        Recorder rec = new Recorder();

        w.watch(SERVER, client(0), Duration.ofHours(1), rec);

        await().atMost(DEADLINE).until(() -> rec.result != null);
        assertThat(rec.calls).containsExactly("ACKED:0");
        assertThat(w.path()).isEqualTo(AckPath.PROC_NET_TCP);
        assertThat(closes.get()).isZero();
    }

    @Test
    void procForcesTheTableAndAutoPrefersSockDiagWhenAvailable() {
        assertThat(SockDiagSendQueues.choose("proc", true)).isEqualTo(AckPath.PROC_NET_TCP);
        assertThat(SockDiagSendQueues.choose(" PROC ", true)).isEqualTo(AckPath.PROC_NET_TCP);
        assertThat(SockDiagSendQueues.choose("auto", true)).isEqualTo(AckPath.SOCK_DIAG);
        assertThat(SockDiagSendQueues.choose("auto", false)).isEqualTo(AckPath.PROC_NET_TCP);
        assertThat(SockDiagSendQueues.choose(null, true)).isEqualTo(AckPath.SOCK_DIAG);
    }
}
