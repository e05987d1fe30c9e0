package org.closepolicy.kernel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class TimeWaitSamplerTest {

    private static final Duration DEADLINE = Duration.ofSeconds(10);

    static InetSocketAddress addr(String ip, int port) {
        try {
            return new InetSocketAddress(InetAddress.getByName(ip), port);
        } catch (UnknownHostException e) {
            throw new AssertionError(e);
        }
    }

    /** {@code onServer} TIME_WAIT rows on 8080, 2 on 8443, 3 client-side (remote 80), 1 established on 8080. */
    static TcpSnapshot table(int onServer) {
        StringBuilder sb = new StringBuilder(ProcNetText.HEADER4);
        int sl = 0;
        for (int i = 0; i < onServer; i++) {
            sb.append(ProcNetText.row(sl++, addr("10.0.0.1", 8080), addr("10.0.0.9", 40000 + i), TcpState.TIME_WAIT, 0, 0, 0, 0, false));
        }
        for (int i = 0; i < 2; i++) {
            sb.append(ProcNetText.row(sl++, addr("10.0.0.1", 8443), addr("10.0.0.9", 41000 + i), TcpState.TIME_WAIT, 0, 0, 0, 0, false));
        }
        for (int i = 0; i < 3; i++) {
            sb.append(ProcNetText.row(sl++, addr("10.0.0.1", 50000 + i), addr("10.0.0.7", 80), TcpState.TIME_WAIT, 0, 0, 0, 0, false));
        }
        sb.append(ProcNetText.row(sl, addr("10.0.0.1", 8080), addr("10.0.0.9", 42000), TcpState.ESTABLISHED, 0, 0, 0, 5, false));
        return TcpTable.parse(sb.toString(), "", ByteOrder.LITTLE_ENDIAN);
    }

    @Test
    void countsServerSideTimeWaitForTheConfiguredPorts() {
        AtomicLong now = new AtomicLong(123);
        try (TimeWaitSampler s = TimeWaitSampler.builder().ports(8080, 8443).source(() -> table(5))
                .nanoClock(now::get).period(Duration.ofSeconds(60)).build()) {
            assertThat(s.supported()).isTrue();
            assertThat(s.serverTimeWait()).isEqualTo(7);
            assertThat(s.totalTimeWait()).isEqualTo(10);
            assertThat(s.lastSampleNanos()).isEqualTo(123);
            assertThat(s.samples()).isEqualTo(1);
            assertThat(s.ports()).containsExactly(8080, 8443);
        }
    }

    @Test
    void withoutPortsEveryTimeWaitIsServerSide() {
        try (TimeWaitSampler s = TimeWaitSampler.builder().ports(List.of()).source(() -> table(4)).build()) {
            assertThat(s.serverTimeWait()).isEqualTo(9);
            assertThat(s.totalTimeWait()).isEqualTo(9);
        }
    }

    @Test
    void followsTheTableOncePerPeriod() {
        AtomicReference<TcpSnapshot> current = new AtomicReference<>(table(1));
        try (TimeWaitSampler s = TimeWaitSampler.builder().ports(8080).period(Duration.ofMillis(100))
                .source(current::get).build()) {
            assertThat(s.serverTimeWait()).isEqualTo(1);

            current.set(table(40));

            await().atMost(DEADLINE).until(() -> s.serverTimeWait() == 40);
            assertThat(s.totalTimeWait()).isEqualTo(45);
            assertThat(s.samples()).isGreaterThan(1);
        }
    }

    @Test
    void unsupportedOrFailingTablesGiveZeroAndNeverThrow() {
        try (TimeWaitSampler s = TimeWaitSampler.builder().source(() -> TcpSnapshot.unsupported("none")).build()) {
            assertThat(s.supported()).isFalse();
            assertThat(s.serverTimeWait()).isZero();
            assertThat(s.totalTimeWait()).isZero();
            assertThat(s.toString()).contains("unsupported");
        }
        try (TimeWaitSampler s = TimeWaitSampler.builder().source(() -> {
            throw new IllegalStateException("sampling failure on purpose");
        }).build()) {
            assertThat(s.supported()).isFalse();
            assertThat(s.serverTimeWait()).isZero();
        }
    }

    @Test
    void stopsSamplingWhenClosed() {
        AtomicLong reads = new AtomicLong();
        TimeWaitSampler s = TimeWaitSampler.builder().period(Duration.ofMillis(100)).source(() -> {
            reads.incrementAndGet();
            return table(2);
        }).build();
        await().atMost(DEADLINE).until(() -> s.samples() >= 2);

        s.close();

        assertThat(Thread.getAllStackTraces().keySet()).extracting(Thread::getName)
                .doesNotContain("closepolicy-time-wait-sampler");
        assertThat(s.samples()).isEqualTo(reads.get());
        assertThat(s.serverTimeWait()).isEqualTo(7);
    }

    @Test
    void rejectsBadArguments() {
        assertThatThrownBy(() -> TimeWaitSampler.builder().period(Duration.ofMillis(99)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("100 ms");
        assertThatThrownBy(() -> TimeWaitSampler.builder().ports(70000)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void samplesThisMachine() {
        try (TimeWaitSampler s = TimeWaitSampler.builder().build()) {
            assertThat(s.supported()).isEqualTo(TcpTable.system().snapshot().supported());
            assertThat(s.totalTimeWait()).isGreaterThanOrEqualTo(s.serverTimeWait());
        }
    }
}
