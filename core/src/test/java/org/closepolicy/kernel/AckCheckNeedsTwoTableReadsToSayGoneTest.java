package org.closepolicy.kernel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.closepolicy.kernel.AckWatcherTest.SERVER;
import static org.closepolicy.kernel.AckWatcherTest.client;

import java.net.InetSocketAddress;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.closepolicy.kernel.AckWatcherTest.Recorder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * One read of {@code /proc/net/tcp} on a busy host skips some rows and repeats others (each page resumes inside
 * a hash bucket). A 4-tuple missing from one read is therefore not GONE: only a second read that misses it too
 * says so, a row present in either read wins, and repeated rows count once with the larger send queue.
 */
class AckCheckNeedsTwoTableReadsToSayGoneTest {

    private static final Duration DEADLINE = Duration.ofSeconds(10);

    private final List<AckWatcher> watchers = new ArrayList<>();
    private final AtomicLong now = new AtomicLong();

    /** Answers its snapshots in order, then the last one forever; counts reads. */
    static final class ScriptedTable implements Supplier<TcpSnapshot> {
        private final TcpSnapshot[] script;
        final AtomicInteger reads = new AtomicInteger();

        ScriptedTable(TcpSnapshot... script) {
            this.script = script;
        }

        @Override
        public TcpSnapshot get() {
            int i = reads.getAndIncrement();
            return script[Math.min(i, script.length - 1)];
        }
    }

    /** A tcp4 table of ESTABLISHED rows from {@link AckWatcherTest#SERVER}: pairs of client index and send queue. */
    static TcpSnapshot rows(long... clientAndQueue) {
        StringBuilder sb = new StringBuilder(ProcNetText.HEADER4);
        for (int i = 0; i < clientAndQueue.length; i += 2) {
            InetSocketAddress c = client((int) clientAndQueue[i]);
            sb.append(ProcNetText.row(i / 2, SERVER, c, TcpState.ESTABLISHED, clientAndQueue[i + 1], 0, 0, 100 + i, false));
        }
        return TcpTable.parse(sb.toString(), "", ByteOrder.LITTLE_ENDIAN);
    }

    private AckWatcher watcher(Supplier<TcpSnapshot> table) {
        AckWatcher w = AckWatcher.builder().source(table).nanoClock(now::get).build();
        watchers.add(w);
        return w;
    }

    @AfterEach
    void closeWatchers() {
        watchers.forEach(AckWatcher::close);
    }

    private static Recorder settled(AckWatcher w, int client, Duration timeout) {
        Recorder rec = new Recorder();
        w.watch(SERVER, client(client), timeout, rec);
        await().atMost(DEADLINE).until(() -> rec.result != null);
        return rec;
    }

    @Test
    void aRowMissingFromOneReadAndAckedInTheNextIsAcked() {
        ScriptedTable table = new ScriptedTable(rows(1, 500), rows(0, 0, 1, 500));

        Recorder rec = settled(watcher(table), 0, Duration.ofHours(1));

        assertThat(rec.calls).containsExactly("ACKED:0");
        assertThat(table.reads).hasValue(2);
    }

    @Test
    void aRowMissingFromTwoReadsInARowIsGone() {
        ScriptedTable table = new ScriptedTable(rows(1, 500), rows(1, 500), rows(0, 0));

        Recorder rec = settled(watcher(table), 0, Duration.ofHours(1));

        assertThat(rec.calls).containsExactly("GONE:-1");
        assertThat(table.reads).hasValue(2);
    }

    @Test
    void aTableThatCannotBeReadTheSecondTimeLeavesTheMissAsGone() {
        ScriptedTable table = new ScriptedTable(rows(1, 500), TcpSnapshot.unsupported("gone away"), rows(0, 0));

        Recorder rec = settled(watcher(table), 0, Duration.ofHours(1));

        assertThat(rec.calls).as("unproven, so a FIN; never UNSUPPORTED for a table that was read")
                .containsExactly("GONE:-1");
    }

    @Test
    void theDeadlineStillEndsAWatchWhoseRowCameBackWithBytesQueued() {
        ScriptedTable table = new ScriptedTable(rows(1, 500), rows(0, 2048));

        Recorder rec = settled(watcher(table), 0, Duration.ZERO);

        assertThat(rec.calls).containsExactly("TIMEOUT:2048");
    }

    @Test
    void aRowPresentInTheFirstReadIsNotReadAgain() {
        ScriptedTable table = new ScriptedTable(rows(0, 0), rows(1, 0));

        Recorder rec = settled(watcher(table), 0, Duration.ofHours(1));

        assertThat(rec.calls).containsExactly("ACKED:0");
        assertThat(table.reads).hasValue(1);
    }

    @Test
    void aRowRepeatedWithDifferentQueuesIsNotAckedByTheSmallerOne() {
        for (TcpSnapshot snap : new TcpSnapshot[] {rows(0, 0, 0, 1500), rows(0, 1500, 0, 0)}) {
            Recorder rec = settled(watcher(() -> snap), 0, Duration.ZERO);

            assertThat(rec.calls).as("%s", snap).containsExactly("TIMEOUT:1500");
        }
    }

    @Test
    void repeatedRowsCountOnceWithTheLargerQueue() {
        TcpSnapshot snap = rows(0, 0, 1, 7, 0, 1500, 1, 3, 0, 20);

        assertThat(snap.size()).isEqualTo(2);
        assertThat(snap.repeatedRows()).isEqualTo(3);
        assertThat(snap.count(TcpState.ESTABLISHED)).isEqualTo(2);
        assertThat(snap.entries()).hasSize(2);
        assertThat(snap.txQueue(SERVER, client(0))).hasValue(1500);
        assertThat(snap.txQueue(SERVER, client(1))).hasValue(7);
        assertThat(snap.toString()).contains("repeated=3");
    }

    @Test
    void repeatedTimeWaitRowsCountOnceInTheSampler() {
        InetSocketAddress server = new InetSocketAddress(SERVER.getAddress(), 8080);
        StringBuilder sb = new StringBuilder(ProcNetText.HEADER4);
        for (int page = 0; page < 2; page++) { // the second page repeats the first's rows
            for (int i = 0; i < 4; i++) {
                sb.append(ProcNetText.row(i, server, client(i), TcpState.TIME_WAIT, 0, 0, 0, 0, false));
            }
        }
        sb.append(ProcNetText.row(4, server, client(4), TcpState.TIME_WAIT, 0, 0, 0, 0, false));
        TcpSnapshot snap = TcpTable.parse(sb.toString(), "", ByteOrder.LITTLE_ENDIAN);

        assertThat(snap.count(TcpState.TIME_WAIT)).isEqualTo(5);
        assertThat(snap.countLocalPort(TcpState.TIME_WAIT, 8080)).isEqualTo(5);
        assertThat(snap.topLocalPorts(TcpState.TIME_WAIT, 1)).containsExactly(new PortCount(8080, 5));
        try (TimeWaitSampler s = TimeWaitSampler.builder().ports(8080).source(() -> snap).nanoClock(now::get)
                .period(Duration.ofSeconds(60)).build()) {
            assertThat(s.serverTimeWait()).isEqualTo(5);
            assertThat(s.totalTimeWait()).isEqualTo(5);
        }
    }

    @Test
    void listenersSharingAPortStayDistinctButARepeatedListenerCountsOnce() {
        InetSocketAddress any = new InetSocketAddress(AckWatcherTest.addr("0.0.0.0", 0).getAddress(), 8080);
        InetSocketAddress none = AckWatcherTest.addr("0.0.0.0", 0);
        String text = ProcNetText.HEADER4
                + ProcNetText.row(0, any, none, TcpState.LISTEN, 0, 0, 0, 11, false)
                + ProcNetText.row(1, any, none, TcpState.LISTEN, 0, 0, 0, 12, false)
                + ProcNetText.row(2, any, none, TcpState.LISTEN, 0, 0, 0, 11, false);

        TcpSnapshot snap = TcpTable.parse(text, "", ByteOrder.LITTLE_ENDIAN);

        assertThat(snap.count(TcpState.LISTEN)).as("SO_REUSEPORT listeners are two sockets").isEqualTo(2);
        assertThat(snap.repeatedRows()).isEqualTo(1);
    }
}
