package org.closepolicy.spi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.closepolicy.CloseEvent;
import org.closepolicy.CloseMode;
import org.closepolicy.Closer;
import org.closepolicy.DrainReport;
import org.closepolicy.FallbackReason;
import org.closepolicy.Protocol;
import org.closepolicy.RetireReason;
import org.closepolicy.WhoClosed;
import org.junit.jupiter.api.Test;

/** The drain coordinator tells every connection once, cuts the rest at the deadline and counts each one once. */
class DrainReportCountsEachConnectionOnceTest {

    /** A connection that records what the drain told it. */
    static final class Fake implements DrainableConnection {
        private static final java.util.concurrent.atomic.AtomicLong NEXT = new java.util.concurrent.atomic.AtomicLong(1_000_000);
        final long id = NEXT.getAndIncrement();
        final List<String> told = new ArrayList<>();
        volatile Runnable onCut = () -> { };

        @Override
        public long id() {
            return id;
        }

        @Override
        public synchronized void drain(long idleGraceNanos) {
            told.add("drain " + idleGraceNanos);
        }

        @Override
        public void cut() {
            synchronized (this) {
                told.add("cut");
            }
            onCut.run(); // as an adapter whose close completes at once
        }
    }

    static CloseEvent event(Fake c, WhoClosed who, CloseMode used) {
        return new CloseEvent(c.id, null, null, Protocol.HTTP1, who, Closer.CLIENT_FIRST, CloseMode.FIN, used,
                FallbackReason.NONE, RetireReason.DRAIN, 1, 0, 0, Duration.ofSeconds(1), Duration.ZERO);
    }

    @Test
    void everyConnectionEndsInExactlyOneCounter() throws Exception {
        ConnectionRegistry registry = new ConnectionRegistry();
        Fake announced = new Fake();
        Fake idle = new Fake();
        Fake goAway = new Fake();
        Fake gone = new Fake();
        for (Fake f : List.of(announced, idle, goAway, gone)) {
            registry.register(f);
        }
        CompletableFuture<DrainReport> future = registry.drain(Duration.ofSeconds(30), Duration.ofMillis(5));
        assertThat(announced.told).containsExactly("drain " + TimeUnit.MILLISECONDS.toNanos(5));

        registry.step(announced.id, DrainStep.ANNOUNCED);
        registry.step(idle.id, DrainStep.IDLE_CLOSED);
        registry.step(goAway.id, DrainStep.GOAWAY);
        registry.step(goAway.id, DrainStep.ANNOUNCED); // the first step counts
        Fake late = new Fake();
        registry.register(late); // accepted while draining: told at once
        assertThat(late.told).hasSize(1);

        registry.onClose(event(announced, WhoClosed.REMOTE_FIN, CloseMode.FIN));
        registry.onClose(event(idle, WhoClosed.LOCAL_RST, CloseMode.RST));
        registry.onClose(event(goAway, WhoClosed.REMOTE_FIN, CloseMode.FIN));
        registry.onClose(event(gone, WhoClosed.REMOTE_FIN, CloseMode.FIN));
        assertThat(future).isNotDone();
        registry.onClose(event(late, WhoClosed.LOCAL_FIN, CloseMode.FIN));

        DrainReport r = future.get(5, TimeUnit.SECONDS);
        assertThat(r.connectionsAtStart()).isEqualTo(4);
        assertThat(r.acceptedWhileDraining()).isEqualTo(1);
        assertThat(r.announced()).isEqualTo(1);
        assertThat(r.idleClosed()).isEqualTo(1);
        assertThat(r.goAways()).isEqualTo(1);
        assertThat(r.closedOnTheirOwn()).isEqualTo(2);
        assertThat(r.cutAtDeadline() + r.stillOpen()).isZero();
        assertThat(r.serverTimeWait()).isEqualTo(1);
        assertThat(r.byCloseMode()).containsEntry(CloseMode.FIN, 4L).containsEntry(CloseMode.RST, 1L);
        assertThat(r.clean()).isTrue();
        assertThat(registry.drain(Duration.ZERO)).isSameAs(future);
    }

    @Test
    void theDeadlineCutsWhatIsLeftAndTheReportSaysWhatStayedOpen() throws Exception {
        ConnectionRegistry registry = new ConnectionRegistry();
        Fake closesWhenCut = new Fake();
        Fake neverCloses = new Fake();
        closesWhenCut.onCut = () -> registry.onClose(event(closesWhenCut, WhoClosed.LOCAL_FIN, CloseMode.FIN));
        registry.register(closesWhenCut);
        registry.register(neverCloses);
        CompletableFuture<DrainReport> future = registry.drain(Duration.ofMillis(50), Duration.ZERO);

        DrainReport r = future.get(10, TimeUnit.SECONDS);
        assertThat(neverCloses.told).contains("cut");
        assertThat(r.cutAtDeadline()).as("%s", r).isEqualTo(1);
        assertThat(r.stillOpen()).isEqualTo(1);
        assertThat(r.clean()).isFalse();
    }

    @Test
    void anEmptyServerDrainsAtOnce() throws Exception {
        DrainReport r = new ConnectionRegistry().drain(Duration.ofSeconds(30)).get(5, TimeUnit.SECONDS);
        assertThat(r.connections()).isZero();
        assertThat(r.toJson()).startsWith("{\"connectionsAtStart\":0");
    }

    @Test
    void badBoundsAreRejectedWithTheirValues() {
        ConnectionRegistry registry = new ConnectionRegistry();
        assertThatThrownBy(() -> registry.drain(Duration.ofSeconds(-1))).hasMessageContaining("-1");
        assertThatThrownBy(() -> registry.drain(Duration.ofSeconds(1), Duration.ofSeconds(2)))
                .hasMessageContaining("idle grace").hasMessageContaining("PT2S");
    }
}
