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
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * An empty send queue proves an RST safe only when the receive queue is empty too: bytes the peer sent and the
 * application has not read (a request crossing an idle close) would be thrown away by the RST.
 */
class AckCheckWithUnreadInputIsNoProofTest {

    private static final Duration DEADLINE = Duration.ofSeconds(10);

    private final List<AckWatcher> watchers = new ArrayList<>();
    private final AtomicLong now = new AtomicLong();

    @AfterEach
    void closeWatchers() {
        watchers.forEach(AckWatcher::close);
    }

    /** One ESTABLISHED row per client with the given send and receive queues. */
    private static Supplier<TcpSnapshot> table(long[][] txRxByClient) {
        StringBuilder sb = new StringBuilder(ProcNetText.HEADER4);
        for (int i = 0; i < txRxByClient.length; i++) {
            sb.append(ProcNetText.row(i, SERVER, client(i), TcpState.ESTABLISHED, txRxByClient[i][0], txRxByClient[i][1], 0, i + 1, false));
        }
        TcpSnapshot snap = TcpTable.parse(sb.toString(), "", ByteOrder.LITTLE_ENDIAN);
        return () -> snap;
    }

    private AckWatcher watcher(Supplier<TcpSnapshot> source) {
        AckWatcher w = AckWatcher.builder().source(source).nanoClock(now::get).build();
        watchers.add(w);
        return w;
    }

    private static AckWatcherTest.Recorder watch(AckWatcher w, InetSocketAddress client) {
        AckWatcherTest.Recorder rec = new AckWatcherTest.Recorder();
        w.watch(SERVER, client, Duration.ofSeconds(1), rec);
        return rec;
    }

    @Test
    void anEmptySendQueueWithUnreadBytesSettlesAsPeerDataWaitingNotAcked() {
        AckWatcher w = watcher(table(new long[][] {{0, 0}, {0, 78}, {0, 1}, {1500, 78}}));
        AckWatcherTest.Recorder quiet = watch(w, client(0));
        AckWatcherTest.Recorder request = watch(w, client(1));
        AckWatcherTest.Recorder fin = watch(w, client(2));
        AckWatcherTest.Recorder unacked = watch(w, client(3));

        await().atMost(DEADLINE).until(() -> quiet.result != null && request.result != null && fin.result != null);
        assertThat(quiet.calls).containsExactly("ACKED:0");
        assertThat(request.calls).containsExactly("PEER_DATA_WAITING:0");
        assertThat(fin.calls).as("an unread FIN counts as one byte of rx_queue").containsExactly("PEER_DATA_WAITING:0");
        assertThat(unacked.result).as("bytes still unacknowledged: the watch goes on").isNull();

        now.addAndGet(Duration.ofSeconds(2).toNanos());
        await().atMost(DEADLINE).until(() -> unacked.result != null);
        assertThat(unacked.calls).containsExactly("TIMEOUT:1500");
    }
}
