package org.closepolicy.micrometer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import org.closepolicy.CloseListener;
import org.closepolicy.CloseMode;
import org.closepolicy.CloseStats;
import org.closepolicy.FallbackReason;
import org.closepolicy.RetireReason;
import org.closepolicy.WhoClosed;
import org.closepolicy.kernel.TcpSnapshot;
import org.closepolicy.kernel.TcpTable;
import org.closepolicy.kernel.TimeWaitSampler;
import org.junit.jupiter.api.Test;

class ClosePolicyMetricsTest {

    private static final String HEADER = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt"
            + "   uid  timeout inode\n";
    private static final int TIME_WAIT = 0x06;
    private static final int ESTABLISHED = 0x01;

    private final CloseStats stats = new CloseStats();
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

    /** A /proc/net/tcp text: {@code server} TIME_WAIT rows on local port 8080, {@code other} on ephemeral ports. */
    private static TcpSnapshot table(int server, int other) {
        StringBuilder sb = new StringBuilder(HEADER);
        int sl = 0;
        for (int i = 0; i < server; i++) {
            sb.append(row(sl++, 8080, 40000 + i, TIME_WAIT));
        }
        for (int i = 0; i < other; i++) {
            sb.append(row(sl++, 50000 + i, 80, TIME_WAIT));
        }
        sb.append(row(sl, 8080, 45000, ESTABLISHED));
        return TcpTable.parse(sb.toString(), "");
    }

    private static String row(int sl, int localPort, int remotePort, int state) {
        return String.format(Locale.ROOT, "%4d: 0100007F:%04X 0100007F:%04X %02X 00000000:00000000 00:00000000 00000000"
                + "     0        0 0 1 0000000000000000 20 4 30 10 -1\n", sl, localPort, remotePort, state);
    }

    private double value(String name, String... tags) {
        Meter m = registry.get(name).tags(tags).meter();
        return m.measure().iterator().next().getValue();
    }

    @Test
    void bindsTheStatsCountersAndGaugesAndTheyReadLiveValues() {
        ClosePolicyMetrics.builder(stats).build().bindTo(registry);
        assertThat(value(ClosePolicyMetrics.OPENED)).isZero();

        stats.onOpen(null);
        stats.onOpen(null);
        stats.onOpen(null);
        stats.onReuse(null);
        stats.onReuse(null);
        stats.onRetire(null, null);
        stats.onClose(Events.retired(WhoClosed.REMOTE_FIN, CloseMode.RST, CloseMode.RST, FallbackReason.NONE,
                RetireReason.MAX_REQUESTS, Duration.ofMillis(2)));

        assertThat(registry.get(ClosePolicyMetrics.OPENED).functionCounter().count()).isEqualTo(3);
        assertThat(registry.get(ClosePolicyMetrics.OPEN).gauge().value()).isEqualTo(2);
        assertThat(registry.get(ClosePolicyMetrics.REQUESTS).functionCounter().count()).isEqualTo(3);
        assertThat(registry.get(ClosePolicyMetrics.DECISIONS).tag("decision", "reuse").functionCounter().count())
                .isEqualTo(2);
        assertThat(registry.get(ClosePolicyMetrics.DECISIONS).tag("decision", "retire").functionCounter().count())
                .isEqualTo(1);
        assertThat(registry.get(ClosePolicyMetrics.RETIRED).tag("reason", "max_requests").functionCounter().count())
                .isEqualTo(1);
        assertThat(registry.get(ClosePolicyMetrics.RETIRED).tag("reason", "max_age").functionCounter().count())
                .isZero();

        stats.onClose(Events.endedByPeer(WhoClosed.REMOTE_FIN, CloseMode.FIN));

        assertThat(registry.get(ClosePolicyMetrics.OPEN).gauge().value()).isEqualTo(1);
        assertThat(registry.get(ClosePolicyMetrics.REQUESTS).functionCounter().count()).isEqualTo(5);
    }

    @Test
    void registersOneRetiredCounterPerRetireReason() {
        ClosePolicyMetrics.builder(stats).build().bindTo(registry);

        List<String> reasons = registry.find(ClosePolicyMetrics.RETIRED).functionCounters().stream()
                .map(c -> c.getId().getTag("reason")).sorted().collect(Collectors.toList());

        assertThat(reasons).containsExactlyInAnyOrder("max_requests", "max_age", "idle_timeout", "client_requested",
                "eof_delimited", "application", "policy_error", "pipeline_limit", "drain");
    }

    @Test
    void bindingTwiceDoesNotDuplicateMetersOrCounts() {
        ClosePolicyMetrics metrics = ClosePolicyMetrics.builder(stats).build();
        CloseListener listener = stats; // the stats pass every event on to the metrics
        metrics.bindTo(registry);
        listener.onClose(Events.retired(WhoClosed.LOCAL_FIN, CloseMode.FIN, CloseMode.FIN, FallbackReason.NONE,
                RetireReason.EOF_DELIMITED, Duration.ZERO));
        List<Meter.Id> once = registry.getMeters().stream().map(Meter::getId).collect(Collectors.toList());

        metrics.bindTo(registry);
        listener.onClose(Events.retired(WhoClosed.LOCAL_FIN, CloseMode.FIN, CloseMode.FIN, FallbackReason.NONE,
                RetireReason.EOF_DELIMITED, Duration.ZERO));

        assertThat(registry.getMeters()).extracting(Meter::getId).containsExactlyInAnyOrderElementsOf(once);
        assertThat(registry.get(MeteredCloseListener.CLOSED).counter().count()).isEqualTo(2);
        assertThat(registry.get(MeteredCloseListener.CLOSE_DURATION).timer().count()).isEqualTo(2);
        assertThat(metrics.closeListener().boundRegistries()).isEqualTo(1);
    }

    @Test
    void withoutASamplerThereAreNoTimeWaitGauges() {
        ClosePolicyMetrics.builder(stats).build().bindTo(registry);

        assertThat(registry.find(ClosePolicyMetrics.TIME_WAIT).meters()).isEmpty();
    }

    @Test
    void timeWaitGaugesFollowTheSamplerServerSideAndTheRest() {
        AtomicReference<TcpSnapshot> kernel = new AtomicReference<>(table(3, 2));
        try (TimeWaitSampler sampler = TimeWaitSampler.builder().ports(8080).period(Duration.ofMillis(100))
                .source(kernel::get).build()) {
            ClosePolicyMetrics.builder(stats).timeWaitSampler(sampler).build().bindTo(registry);
            Gauge server = registry.get(ClosePolicyMetrics.TIME_WAIT).tag("side", "server").gauge();
            Gauge other = registry.get(ClosePolicyMetrics.TIME_WAIT).tag("side", "other").gauge();

            assertThat(server.value()).isEqualTo(3);
            assertThat(other.value()).isEqualTo(2);

            kernel.set(table(40, 7));

            await().atMost(Duration.ofSeconds(10)).until(() -> server.value() == 40);
            await().atMost(Duration.ofSeconds(10)).until(() -> other.value() == 7);
            assertThat(registry.find(ClosePolicyMetrics.TIME_WAIT).gauges()).hasSize(2);
        }
    }

    @Test
    void timeWaitGaugesAreNaNWhileTheKernelTableCannotBeRead() {
        AtomicReference<TcpSnapshot> kernel = new AtomicReference<>(TcpSnapshot.unsupported("no /proc here"));
        try (TimeWaitSampler sampler = TimeWaitSampler.builder().ports(8080).period(Duration.ofMillis(100))
                .source(kernel::get).build()) {
            ClosePolicyMetrics.builder(stats).timeWaitSampler(sampler).build().bindTo(registry);
            Gauge server = registry.get(ClosePolicyMetrics.TIME_WAIT).tag("side", "server").gauge();
            Gauge other = registry.get(ClosePolicyMetrics.TIME_WAIT).tag("side", "other").gauge();

            assertThat(server.value()).isNaN();
            assertThat(other.value()).isNaN();

            kernel.set(table(4, 1));

            await().atMost(Duration.ofSeconds(10)).until(() -> server.value() == 4);
            assertThat(other.value()).isEqualTo(1);
        }
    }

    @Test
    void commonTagsFromTagsAndTagLandOnEveryMeterAndALaterValueWins() {
        AtomicReference<TcpSnapshot> kernel = new AtomicReference<>(table(1, 0));
        try (TimeWaitSampler sampler = TimeWaitSampler.builder().source(kernel::get).build()) {
            ClosePolicyMetrics metrics = ClosePolicyMetrics.builder(stats)
                    .tags(Tags.of("server", "api", "region", "us"))
                    .tag("region", "eu")
                    .timeWaitSampler(sampler)
                    .build();
            metrics.bindTo(registry);
            metrics.closeListener().onClose(Events.retired(WhoClosed.REMOTE_FIN, CloseMode.RST, CloseMode.RST,
                    FallbackReason.NONE, RetireReason.MAX_AGE, Duration.ofMillis(1)));

            assertThat(metrics.tags()).containsExactlyInAnyOrder(Tag.of("server", "api"), Tag.of("region", "eu"));
            assertThat(registry.getMeters()).hasSizeGreaterThan(10);
            for (Meter m : registry.getMeters()) {
                assertThat(m.getId().getTags()).as(m.getId().toString())
                        .contains(Tag.of("server", "api"), Tag.of("region", "eu"))
                        .doesNotContain(Tag.of("region", "us"));
            }
        }
    }

    @Test
    void twoServersInOneRegistryAreTellApartByATag() {
        CloseStats other = new CloseStats();
        ClosePolicyMetrics.builder(stats).tag("server", "a").build().bindTo(registry);
        ClosePolicyMetrics.builder(other).tag("server", "b").build().bindTo(registry);

        stats.onOpen(null);
        other.onOpen(null);
        other.onOpen(null);

        List<FunctionCounter> opened = List.copyOf(registry.find(ClosePolicyMetrics.OPENED).functionCounters());
        assertThat(opened).hasSize(2);
        assertThat(registry.get(ClosePolicyMetrics.OPENED).tag("server", "a").functionCounter().count()).isEqualTo(1);
        assertThat(registry.get(ClosePolicyMetrics.OPENED).tag("server", "b").functionCounter().count()).isEqualTo(2);
    }

    @Test
    void rejectsTagKeysTheMetersUseThemselves() {
        for (String key : List.of("who", "mode", "reason", "decision", "side")) {
            assertThatThrownBy(() -> ClosePolicyMetrics.builder(stats).tag(key, "x"))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("'" + key + "'");
            assertThatThrownBy(() -> ClosePolicyMetrics.builder(stats).tags(Tags.of(key, "x")))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("'" + key + "'");
        }
    }

    @Test
    void checksArgumentsEagerlyNamingThem() {
        assertThatThrownBy(() -> ClosePolicyMetrics.builder(null)).hasMessage("stats");
        assertThatThrownBy(() -> ClosePolicyMetrics.builder(stats).tag(null, "v")).hasMessage("key");
        assertThatThrownBy(() -> ClosePolicyMetrics.builder(stats).tag("k", null)).hasMessage("value");
        assertThatThrownBy(() -> ClosePolicyMetrics.builder(stats).tags(null)).hasMessage("tags");
        assertThatThrownBy(() -> ClosePolicyMetrics.builder(stats).build().bindTo(null)).hasMessage("registry");
    }

    @Test
    void closeListenerIsOneInstancePerBinder() {
        ClosePolicyMetrics metrics = ClosePolicyMetrics.builder(stats).build();

        assertThat(metrics.closeListener()).isSameAs(metrics.closeListener());
    }
}
