package org.closepolicy.micrometer;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.closepolicy.CloseListener;
import org.closepolicy.CloseMode;
import org.closepolicy.CloseStats;
import org.closepolicy.FallbackReason;
import org.closepolicy.RetireReason;
import org.closepolicy.WhoClosed;
import org.junit.jupiter.api.Test;

class MeteredCloseListenerTest {

    private final CloseStats stats = new CloseStats();
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

    private MeteredCloseListener boundListener(String... commonTags) {
        ClosePolicyMetrics.Builder b = ClosePolicyMetrics.builder(stats);
        for (int i = 0; i < commonTags.length; i += 2) {
            b.tag(commonTags[i], commonTags[i + 1]);
        }
        ClosePolicyMetrics metrics = b.build();
        metrics.bindTo(registry);
        return metrics.closeListener();
    }

    private static double closed(MeterRegistry r, String who, String mode, String reason) {
        Counter c = r.find(MeteredCloseListener.CLOSED).tags("who", who, "mode", mode, "reason", reason).counter();
        return c == null ? 0 : c.count();
    }

    @Test
    void countsEachCloseOnceWithWhoModeAndFallbackReason() {
        MeteredCloseListener listener = boundListener();

        // safe-reset: the client's FIN answered by an RST, as planned (twice)
        listener.onClose(Events.retired(WhoClosed.REMOTE_FIN, CloseMode.RST, CloseMode.RST, FallbackReason.NONE,
                RetireReason.MAX_REQUESTS, Duration.ofMillis(3)));
        listener.onClose(Events.retired(WhoClosed.REMOTE_FIN, CloseMode.RST, CloseMode.RST, FallbackReason.NONE,
                RetireReason.MAX_REQUESTS, Duration.ofMillis(5)));
        // client-first whose client never closed: the server's FIN after clientWait
        listener.onClose(Events.retired(WhoClosed.LOCAL_FIN, CloseMode.RST, CloseMode.FIN,
                FallbackReason.CLIENT_WAIT_EXPIRED, RetireReason.MAX_REQUESTS, Duration.ofSeconds(2)));

        assertThat(closed(registry, "remote_fin", "rst", "none")).isEqualTo(2);
        assertThat(closed(registry, "local_fin", "fin", "client_wait_expired")).isEqualTo(1);
        assertThat(registry.find(MeteredCloseListener.CLOSED).counters()).hasSize(2);
        assertThat(registry.find(MeteredCloseListener.CLOSED).counters().stream().mapToDouble(Counter::count).sum())
                .isEqualTo(3);
    }

    @Test
    void aCloseWithoutAUsedModeIsTaggedModeNone() {
        MeteredCloseListener listener = boundListener();

        listener.onClose(Events.endedByPeer(WhoClosed.REMOTE_RST, null));

        assertThat(closed(registry, "remote_rst", "none", "none")).isEqualTo(1);
    }

    @Test
    void timesTheCloseOfRetiredConnectionsOnlyByModeUsed() {
        MeteredCloseListener listener = boundListener();

        listener.onClose(Events.retired(WhoClosed.REMOTE_FIN, CloseMode.RST, CloseMode.RST, FallbackReason.NONE,
                RetireReason.MAX_AGE, Duration.ofMillis(40)));
        listener.onClose(Events.retired(WhoClosed.LOCAL_FIN, CloseMode.LINGER, CloseMode.LINGER, FallbackReason.NONE,
                RetireReason.MAX_REQUESTS, Duration.ofMillis(10)));
        listener.onClose(Events.retired(WhoClosed.LOCAL_FIN, CloseMode.LINGER, CloseMode.LINGER, FallbackReason.NONE,
                RetireReason.MAX_REQUESTS, Duration.ofMillis(30)));
        // ended by the peer while kept alive: nothing to time
        listener.onClose(Events.endedByPeer(WhoClosed.REMOTE_FIN, CloseMode.FIN));

        Timer rst = registry.get(MeteredCloseListener.CLOSE_DURATION).tag("mode", "rst").timer();
        Timer linger = registry.get(MeteredCloseListener.CLOSE_DURATION).tag("mode", "linger").timer();
        assertThat(rst.count()).isEqualTo(1);
        assertThat(rst.totalTime(TimeUnit.MILLISECONDS)).isEqualTo(40);
        assertThat(linger.count()).isEqualTo(2);
        assertThat(linger.totalTime(TimeUnit.MILLISECONDS)).isEqualTo(40);
        assertThat(linger.max(TimeUnit.MILLISECONDS)).isEqualTo(30);
        assertThat(registry.find(MeteredCloseListener.CLOSE_DURATION).tag("mode", "fin").timer()).isNull();
        assertThat(registry.find(MeteredCloseListener.CLOSE_DURATION).timers()).hasSize(2);
    }

    @Test
    void everyMeterCarriesTheCommonTags() {
        MeteredCloseListener listener = boundListener("server", "api", "region", "eu");

        listener.onClose(Events.retired(WhoClosed.LOCAL_RST, CloseMode.RST, CloseMode.RST, FallbackReason.NONE,
                RetireReason.IDLE_TIMEOUT, Duration.ofMillis(1)));

        List<Meter> meters = registry.getMeters();
        assertThat(meters).isNotEmpty();
        for (Meter m : meters) {
            assertThat(m.getId().getTags()).as(m.getId().toString())
                    .contains(Tag.of("server", "api"), Tag.of("region", "eu"));
        }
        assertThat(closed(registry, "local_rst", "rst", "none")).isEqualTo(1);
    }

    @Test
    void recordsNothingBeforeItsBinderIsBound() {
        ClosePolicyMetrics metrics = ClosePolicyMetrics.builder(stats).build();
        CloseListener listener = stats; // the stats pass every event on to the metrics

        listener.onClose(Events.endedByPeer(WhoClosed.REMOTE_FIN, CloseMode.FIN));
        metrics.bindTo(registry);
        listener.onClose(Events.endedByPeer(WhoClosed.REMOTE_FIN, CloseMode.FIN));

        assertThat(closed(registry, "remote_fin", "fin", "none")).isEqualTo(1);
        assertThat(stats.closed()).isEqualTo(2);
    }

    @Test
    void recordsIntoEveryBoundRegistry() {
        SimpleMeterRegistry other = new SimpleMeterRegistry();
        ClosePolicyMetrics metrics = ClosePolicyMetrics.builder(stats).build();
        metrics.bindTo(registry);
        metrics.bindTo(other);

        metrics.closeListener().onClose(Events.endedByPeer(WhoClosed.REMOTE_FIN, CloseMode.FIN));

        assertThat(closed(registry, "remote_fin", "fin", "none")).isEqualTo(1);
        assertThat(closed(other, "remote_fin", "fin", "none")).isEqualTo(1);
        assertThat(metrics.closeListener().boundRegistries()).isEqualTo(2);
    }

    @Test
    void aCounterRemovedFromTheRegistryIsRegisteredAgainOnTheNextClose() {
        MeteredCloseListener listener = boundListener();
        listener.onClose(Events.endedByPeer(WhoClosed.REMOTE_FIN, CloseMode.FIN));
        Counter first = registry.get(MeteredCloseListener.CLOSED).counter();

        registry.remove(first);
        listener.onClose(Events.endedByPeer(WhoClosed.REMOTE_FIN, CloseMode.FIN));

        assertThat(closed(registry, "remote_fin", "fin", "none")).isEqualTo(1);
        assertThat(registry.get(MeteredCloseListener.CLOSED).counter()).isNotSameAs(first);
    }
}
