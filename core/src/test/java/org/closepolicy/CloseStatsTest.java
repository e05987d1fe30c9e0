package org.closepolicy;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Map;
import org.closepolicy.support.Json;
import org.closepolicy.support.TestView;
import org.junit.jupiter.api.Test;

/** Aggregate counters of closes and their JSON form. */
class CloseStatsTest {

    private static CloseEvent event(WhoClosed who, CloseMode used, FallbackReason fallback, RetireReason reason, long requests) {
        return new CloseEvent(1, null, null, Protocol.HTTP1, who, Closer.CLIENT_FIRST, CloseMode.FIN, used, fallback, reason,
                requests, 100, 2_000, Duration.ofSeconds(3), Duration.ofMillis(250));
    }

    @Test
    void countsOpensReusesRetiresAndCloses() {
        CloseStats stats = new CloseStats();
        TestView v = TestView.http11();
        stats.onOpen(v);
        stats.onOpen(v);
        stats.onOpen(v);
        stats.onReuse(v);
        stats.onRetire(v, ClosePolicies.clientFirst().defaults().retire(RetireReason.MAX_REQUESTS));
        stats.onClose(event(WhoClosed.REMOTE_FIN, CloseMode.FIN, FallbackReason.NONE, RetireReason.MAX_REQUESTS, 2));
        stats.onClose(event(WhoClosed.LOCAL_RST, CloseMode.RST, FallbackReason.CLIENT_WAIT_EXPIRED, RetireReason.MAX_REQUESTS, 1));

        assertThat(stats.opened()).isEqualTo(3);
        assertThat(stats.closed()).isEqualTo(2);
        assertThat(stats.open()).isEqualTo(1);
        assertThat(stats.reused()).isEqualTo(1);
        assertThat(stats.retired()).isEqualTo(1);
        assertThat(stats.requests()).isEqualTo(3);
        assertThat(stats.whoClosed(WhoClosed.REMOTE_FIN)).isEqualTo(1);
        assertThat(stats.whoClosed(WhoClosed.LOCAL_RST)).isEqualTo(1);
        assertThat(stats.whoClosed(WhoClosed.LOCAL_FIN)).isZero();
        assertThat(stats.usedMode(CloseMode.RST)).isEqualTo(1);
        assertThat(stats.fallback(FallbackReason.CLIENT_WAIT_EXPIRED)).isEqualTo(1);
        assertThat(stats.fallback(FallbackReason.NONE)).isEqualTo(1);
        assertThat(stats.retireReason(RetireReason.MAX_REQUESTS)).isEqualTo(2);
        assertThat(stats.totalCloseNanos()).isEqualTo(Duration.ofMillis(500).toNanos());
    }

    @Test
    void eventsWithoutAUsedModeOrRetireReasonAreCountedToo() {
        CloseStats stats = new CloseStats();
        stats.onClose(new CloseEvent(1, null, null, Protocol.TCP, WhoClosed.REMOTE_RST, null, null, null, FallbackReason.NONE, null,
                0, 0, 0, Duration.ZERO, Duration.ZERO));
        assertThat(stats.closed()).isEqualTo(1);
        assertThat(stats.whoClosed(WhoClosed.REMOTE_RST)).isEqualTo(1);
        assertThat(stats.open()).isZero();
    }

    @Test
    void openNeverGoesNegative() {
        CloseStats stats = new CloseStats();
        stats.onClose(event(WhoClosed.REMOTE_FIN, CloseMode.FIN, FallbackReason.NONE, null, 0));
        assertThat(stats.open()).isZero();
    }

    @Test
    @SuppressWarnings("unchecked")
    void toJsonIsValidJsonWithEveryCounter() {
        CloseStats stats = new CloseStats();
        stats.onOpen(TestView.http11());
        stats.onClose(event(WhoClosed.LOCAL_FIN, CloseMode.LINGER, FallbackReason.NONE, RetireReason.EOF_DELIMITED, 1));

        Map<String, Object> json = (Map<String, Object>) Json.parse(stats.toJson());
        assertThat(json).containsEntry("opened", 1L).containsEntry("closed", 1L).containsEntry("open", 0L)
                .containsEntry("requests", 1L).containsEntry("bytesIn", 100L).containsEntry("bytesOut", 2_000L);
        assertThat(json).containsKeys("reused", "retired", "whoClosed", "usedMode", "fallback", "retireReason");
        Map<String, Object> who = (Map<String, Object>) json.get("whoClosed");
        assertThat(who).hasSize(WhoClosed.values().length).containsEntry("LOCAL_FIN", 1L).containsEntry("REMOTE_FIN", 0L);
        assertThat((Map<String, Object>) json.get("usedMode")).hasSize(CloseMode.values().length).containsEntry("LINGER", 1L);
        assertThat((Map<String, Object>) json.get("fallback")).hasSize(FallbackReason.values().length);
        assertThat((Map<String, Object>) json.get("retireReason")).hasSize(RetireReason.values().length)
                .containsEntry("EOF_DELIMITED", 1L);
        assertThat(stats.toString()).contains(stats.toJson());
    }

    @Test
    void anEmptyStatsIsValidJsonToo() {
        assertThat(Json.parse(new CloseStats().toJson())).isInstanceOf(Map.class);
    }

    @Test
    void countsFromManyThreadsAddUp() throws InterruptedException {
        CloseStats stats = new CloseStats();
        Thread[] threads = new Thread[4];
        for (int t = 0; t < threads.length; t++) {
            threads[t] = new Thread(() -> {
                for (int i = 0; i < 10_000; i++) {
                    stats.onOpen(TestView.http11());
                    stats.onClose(event(WhoClosed.REMOTE_FIN, CloseMode.FIN, FallbackReason.NONE, RetireReason.MAX_REQUESTS, 1));
                }
            });
            threads[t].start();
        }
        for (Thread t : threads) {
            t.join();
        }
        assertThat(stats.opened()).isEqualTo(40_000);
        assertThat(stats.closed()).isEqualTo(40_000);
        assertThat(stats.whoClosed(WhoClosed.REMOTE_FIN)).isEqualTo(40_000);
    }
}
