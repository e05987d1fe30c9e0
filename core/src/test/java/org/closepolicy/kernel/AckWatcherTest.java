package org.closepolicy.kernel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class AckWatcherTest {

    private static final Duration DEADLINE = Duration.ofSeconds(10);
    static final InetSocketAddress SERVER = addr("10.0.0.1", 8080);

    private final List<AckWatcher> watchers = new ArrayList<>();
    private final AtomicLong now = new AtomicLong();

    /** A table whose rows the test sets; counts reads. */
    static final class FakeTable implements Supplier<TcpSnapshot> {
        volatile TcpSnapshot current = TcpTable.parse("", "");
        final AtomicInteger reads = new AtomicInteger();

        @Override
        public TcpSnapshot get() {
            reads.incrementAndGet();
            return current;
        }

        void set(Map<InetSocketAddress, Long> txByClient) {
            StringBuilder sb = new StringBuilder(ProcNetText.HEADER4);
            int sl = 0;
            for (Map.Entry<InetSocketAddress, Long> e : txByClient.entrySet()) {
                sb.append(ProcNetText.row(sl++, SERVER, e.getKey(), TcpState.ESTABLISHED, e.getValue(), 0, 0, sl, false));
            }
            current = TcpTable.parse(sb.toString(), "", ByteOrder.LITTLE_ENDIAN);
        }
    }

    /** Records every callback invocation. */
    static final class Recorder implements AckCallback {
        final List<String> calls = new CopyOnWriteArrayList<>();
        volatile AckResult result;
        volatile long pending = Long.MIN_VALUE;
        volatile Thread thread;

        @Override
        public void onSettled(AckResult result, long pendingBytes) {
            calls.add(result + ":" + pendingBytes);
            this.thread = Thread.currentThread();
            this.pending = pendingBytes;
            this.result = result;
        }
    }

    static InetSocketAddress addr(String ip, int port) {
        try {
            return new InetSocketAddress(InetAddress.getByName(ip), port);
        } catch (UnknownHostException e) {
            throw new AssertionError(e);
        }
    }

    static InetSocketAddress client(int i) {
        return addr("10.0.1." + (1 + i / 200), 40000 + i);
    }

    private AckWatcher watcher(FakeTable table) {
        AckWatcher w = AckWatcher.builder().source(table).nanoClock(now::get).build();
        watchers.add(w);
        return w;
    }

    @AfterEach
    void closeWatchers() {
        watchers.forEach(AckWatcher::close);
    }

    @Test
    void ackedWhenTheSendQueueIsEmpty() {
        FakeTable table = new FakeTable();
        table.set(Map.of(client(0), 0L));
        AckWatcher w = watcher(table);
        Recorder rec = new Recorder();

        w.watch(SERVER, client(0), Duration.ofSeconds(1), rec);

        await().atMost(DEADLINE).until(() -> rec.result != null);
        assertThat(rec.calls).containsExactly("ACKED:0");
        assertThat(rec.thread.getName()).isEqualTo(AckWatcher.THREAD_NAME);
        assertThat(rec.thread.isDaemon()).isTrue();
        assertThat(w.pending()).isZero();
    }

    @Test
    void goneWhenTheTupleIsNotInTheTable() {
        FakeTable table = new FakeTable();
        table.set(Map.of(client(1), 500L));
        AckWatcher w = watcher(table);
        Recorder rec = new Recorder();

        w.watch(SERVER, client(0), Duration.ofSeconds(1), rec);

        await().atMost(DEADLINE).until(() -> rec.result != null);
        assertThat(rec.calls).containsExactly("GONE:-1");
    }

    @Test
    void waitsWhileBytesAreQueuedThenAcksWhenTheyDrain() {
        FakeTable table = new FakeTable();
        table.set(Map.of(client(0), 4096L));
        AckWatcher w = watcher(table);
        Recorder rec = new Recorder();

        w.watch(SERVER, client(0), Duration.ofSeconds(1), rec);
        long seen = w.scans();
        await().atMost(DEADLINE).until(() -> w.scans() >= seen + 3);
        assertThat(rec.calls).isEmpty(); // the manual ticker has not moved: no deadline can have passed
        assertThat(w.pending()).isEqualTo(1);

        table.set(Map.of(client(0), 0L));
        await().atMost(DEADLINE).until(() -> rec.result != null);
        assertThat(rec.calls).containsExactly("ACKED:0");
    }

    @Test
    void timesOutWithTheLastSeenQueueOnceTheDeadlinePasses() {
        FakeTable table = new FakeTable();
        table.set(Map.of(client(0), 4096L));
        AckWatcher w = watcher(table);
        Recorder rec = new Recorder();

        w.watch(SERVER, client(0), Duration.ofSeconds(1), rec);
        table.set(Map.of(client(0), 1500L));
        long seen = w.scans();
        await().atMost(DEADLINE).until(() -> w.scans() >= seen + 2);
        assertThat(rec.calls).isEmpty();

        now.addAndGet(Duration.ofSeconds(1).toNanos());
        await().atMost(DEADLINE).until(() -> rec.result != null);
        assertThat(rec.calls).containsExactly("TIMEOUT:1500");
    }

    @Test
    void zeroTimeoutStillLooksAtTheTableOnce() {
        FakeTable table = new FakeTable();
        table.set(Map.of(client(0), 0L, client(1), 10L));
        AckWatcher w = watcher(table);
        Recorder acked = new Recorder();
        Recorder timedOut = new Recorder();

        w.watch(SERVER, client(0), Duration.ZERO, acked);
        w.watch(SERVER, client(1), Duration.ZERO, timedOut);

        await().atMost(DEADLINE).until(() -> acked.result != null && timedOut.result != null);
        assertThat(acked.calls).containsExactly("ACKED:0");
        assertThat(timedOut.calls).containsExactly("TIMEOUT:10");
    }

    @Test
    void unsupportedTableSettlesAtOnce() {
        FakeTable table = new FakeTable();
        table.current = TcpSnapshot.unsupported("no /proc");
        AckWatcher w = watcher(table);
        Recorder rec = new Recorder();

        w.watch(SERVER, client(0), Duration.ofHours(1), rec);

        await().atMost(DEADLINE).until(() -> rec.result != null);
        assertThat(rec.calls).containsExactly("UNSUPPORTED:-1");
    }

    @Test
    void sourceThatThrowsCountsAsUnsupported() {
        AckWatcher w = AckWatcher.builder().source(() -> {
            throw new IllegalStateException("boom");
        }).build();
        watchers.add(w);
        Recorder rec = new Recorder();

        w.watch(SERVER, client(0), Duration.ofHours(1), rec);

        await().atMost(DEADLINE).until(() -> rec.result != null);
        assertThat(rec.calls).containsExactly("UNSUPPORTED:-1");
    }

    @Test
    void cancelledWatchNeverCallsBack() {
        FakeTable table = new FakeTable();
        table.set(Map.of(client(0), 4096L, client(1), 4096L));
        AckWatcher w = watcher(table);
        Recorder cancelled = new Recorder();
        Recorder witness = new Recorder();

        AckWatcher.Watch watch = w.watch(SERVER, client(0), Duration.ofSeconds(1), cancelled);
        w.watch(SERVER, client(1), Duration.ofSeconds(1), witness);
        assertThat(watch.cancel()).isTrue();
        assertThat(watch.cancel()).isFalse();
        assertThat(watch.isDone()).isTrue();
        table.set(Map.of(client(0), 0L, client(1), 0L));

        // The witness settles from a scan that saw client(0) acked too; the cancelled one must stay silent.
        await().atMost(DEADLINE).until(() -> witness.result != null);
        long after = w.scans();
        table.set(Map.of(client(2), 0L));
        Recorder later = new Recorder();
        w.watch(SERVER, client(2), Duration.ofSeconds(1), later);
        await().atMost(DEADLINE).until(() -> later.result != null && w.scans() > after);
        assertThat(cancelled.calls).isEmpty();
        assertThat(witness.calls).containsExactly("ACKED:0");
        assertThat(w.pending()).isZero();
    }

    @Test
    void cancelAfterSettlingReturnsFalse() {
        FakeTable table = new FakeTable();
        table.set(Map.of(client(0), 0L));
        AckWatcher w = watcher(table);
        Recorder rec = new Recorder();

        AckWatcher.Watch watch = w.watch(SERVER, client(0), Duration.ofSeconds(1), rec);
        await().atMost(DEADLINE).until(() -> rec.result != null);

        assertThat(watch.cancel()).isFalse();
        assertThat(rec.calls).containsExactly("ACKED:0");
    }

    @Test
    void throwingCallbackDoesNotStopTheWatcher() {
        FakeTable table = new FakeTable();
        table.set(Map.of(client(0), 0L, client(1), 0L));
        AckWatcher w = watcher(table);
        AtomicInteger thrown = new AtomicInteger();

        w.watch(SERVER, client(0), Duration.ofSeconds(1), (r, p) -> {
            thrown.incrementAndGet();
            throw new IllegalStateException("callback failure on purpose");
        });
        await().atMost(DEADLINE).until(() -> w.callbackFailures() == 1);
        Recorder rec = new Recorder();
        w.watch(SERVER, client(1), Duration.ofSeconds(1), rec);

        await().atMost(DEADLINE).until(() -> rec.result != null);
        assertThat(rec.calls).containsExactly("ACKED:0");
        assertThat(thrown).hasValue(1);
        assertThat(w.callbackFailures()).isEqualTo(1);
    }

    @Test
    void oneScanSettlesAHundredWatches() {
        FakeTable table = new FakeTable();
        Map<InetSocketAddress, Long> queued = new ConcurrentHashMap<>();
        for (int i = 0; i < 100; i++) {
            queued.put(client(i), 1000L + i);
        }
        table.set(queued);
        AckWatcher w = watcher(table);
        Map<Integer, Long> settledAtScan = new ConcurrentHashMap<>();
        Map<Integer, String> results = new ConcurrentHashMap<>();

        for (int i = 0; i < 100; i++) {
            int id = i;
            w.watch(SERVER, client(i), Duration.ofSeconds(5), (r, p) -> {
                settledAtScan.put(id, w.scans());
                results.put(id, r + ":" + p);
            });
        }
        long registered = w.scans();
        await().atMost(DEADLINE).until(() -> w.scans() >= registered + 2); // every watch has been seen queued
        long beforeAck = w.scans();
        assertThat(results).isEmpty();

        queued.replaceAll((k, v) -> 0L);
        table.set(queued);
        await().atMost(DEADLINE).until(() -> results.size() == 100);

        assertThat(Set.copyOf(results.values())).containsExactly("ACKED:0");
        assertThat(Set.copyOf(settledAtScan.values())).as("all settled by a single table read").hasSize(1);
        assertThat(settledAtScan.get(0)).isGreaterThan(beforeAck);
    }

    @Test
    void idleWatcherDoesNotReadTheTable() {
        FakeTable table = new FakeTable();
        table.set(Map.of(client(0), 0L));
        AckWatcher idle = watcher(table);
        Recorder rec = new Recorder();
        idle.watch(SERVER, client(0), Duration.ofSeconds(1), rec);
        await().atMost(DEADLINE).until(() -> rec.result != null);
        long scansWhenIdle = idle.scans();

        // A second watcher with a watch that never settles proves at least 5 ticks of real time went by.
        FakeTable busyTable = new FakeTable();
        busyTable.set(Map.of(client(1), 1L));
        AckWatcher busy = watcher(busyTable);
        busy.watch(SERVER, client(1), Duration.ofHours(1), new Recorder());
        await().atMost(DEADLINE).until(() -> busy.scans() >= 6);

        assertThat(scansWhenIdle).isEqualTo(1);
        assertThat(idle.scans()).isEqualTo(scansWhenIdle);
        assertThat(table.reads).hasValue(1);
    }

    @Test
    void closeSettlesPendingWatchesAsClosed() {
        FakeTable table = new FakeTable();
        table.set(Map.of(client(0), 4096L));
        AckWatcher w = watcher(table);
        Recorder pending = new Recorder();
        w.watch(SERVER, client(0), Duration.ofHours(1), pending);
        long seen = w.scans();
        await().atMost(DEADLINE).until(() -> w.scans() > seen);

        w.close();

        assertThat(w.isClosed()).isTrue();
        assertThat(pending.calls).containsExactly("CLOSED:4096");
        assertThat(pending.thread.getName()).isEqualTo(AckWatcher.THREAD_NAME);
        assertThat(pending.thread.isAlive()).isFalse();
        Recorder late = new Recorder();
        w.watch(SERVER, client(0), Duration.ofHours(1), late);
        assertThat(late.calls).containsExactly("CLOSED:-1");
        assertThat(late.thread).isSameAs(Thread.currentThread());
        w.close(); // idempotent
    }

    @Test
    void sharedInstanceIsOneAndRestartsAfterClose() {
        AckWatcher a = AckWatcher.shared();
        assertThat(AckWatcher.shared()).isSameAs(a);
        assertThat(a.tick()).isEqualTo(Duration.ofMillis(10));

        a.close();
        AckWatcher b = AckWatcher.shared();

        assertThat(b).isNotSameAs(a);
        assertThat(b.isClosed()).isFalse();
        assertThat(AckWatcher.shared()).isSameAs(b);
    }

    @Test
    void rejectsBadArguments() {
        assertThatThrownBy(() -> AckWatcher.builder().tick(Duration.ofMillis(9)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("10 ms");
        AckWatcher w = watcher(new FakeTable());
        assertThatThrownBy(() -> w.watch(SERVER, client(0), Duration.ofMillis(-1), new Recorder()))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> w.watch(InetSocketAddress.createUnresolved("example.invalid", 80), client(0),
                Duration.ofSeconds(1), new Recorder())).isInstanceOf(IllegalArgumentException.class);
        assertThat(w.pending()).isZero();
    }
}
