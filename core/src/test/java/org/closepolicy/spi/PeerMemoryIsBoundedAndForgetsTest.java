package org.closepolicy.spi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.closepolicy.PeerHabit;
import org.closepolicy.support.ManualTicker;
import org.junit.jupiter.api.Test;

/** The per-peer memory of HTTP/1.0 habits: what it answers, how long, and that it never grows past its bound. */
class PeerMemoryIsBoundedAndForgetsTest {

    static InetAddress v4(int n) {
        byte[] b = {10, (byte) (n >>> 16), (byte) (n >>> 8), (byte) n};
        try {
            return InetAddress.getByAddress(b);
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void remembersTheLatestOutcomeUntilItExpires() throws Exception {
        ManualTicker t = new ManualTicker(1_000);
        PeerMemory m = new PeerMemory(t, 64, Duration.ofSeconds(60));
        InetAddress nginx = v4(1);
        InetAddress ab = InetAddress.getByName("::1");
        assertThat(m.habit(nginx)).isEqualTo(PeerHabit.UNKNOWN);

        m.closedFirst(nginx, true);
        m.waitedForEof(ab, true);
        assertThat(m.habit(nginx)).isEqualTo(PeerHabit.CLOSES_FIRST);
        assertThat(m.habit(ab)).isEqualTo(PeerHabit.WAITS_FOR_EOF);

        t.advance(Duration.ofSeconds(59));
        m.closedFirst(nginx, false); // a closer confirms itself with every connection
        t.advance(Duration.ofSeconds(1));
        assertThat(m.habit(ab)).as("a waiter is probed again once per expiry").isEqualTo(PeerHabit.UNKNOWN);
        assertThat(m.habit(nginx)).isEqualTo(PeerHabit.CLOSES_FIRST);

        m.waitedForEof(nginx, false); // another program behind the same address: relearned at once
        assertThat(m.habit(nginx)).isEqualTo(PeerHabit.WAITS_FOR_EOF);
        assertThat(m.probesClosedFirst()).isEqualTo(1);
        assertThat(m.probesWaitedForEof()).isEqualTo(1);
        assertThat(m.toJson()).contains("\"probes\":2").contains("\"knownClosedFirst\":1").contains("\"knownWaitedForEof\":1")
                .contains("\"expired\":1");
    }

    @Test
    void nullAddressesAreUnknownAndNotRemembered() {
        PeerMemory m = new PeerMemory(new ManualTicker(0));
        m.closedFirst(null, true);
        assertThat(m.habit((InetAddress) null)).isEqualTo(PeerHabit.UNKNOWN);
        assertThat(m.size()).isZero();
    }

    @Test
    void badBoundsAreRejectedByName() {
        ManualTicker t = new ManualTicker(0);
        assertThatThrownBy(() -> new PeerMemory(t, 8, Duration.ofSeconds(1))).hasMessageContaining("capacity 8");
        assertThatThrownBy(() -> new PeerMemory(t, 64, Duration.ZERO)).hasMessageContaining("expiry");
    }

    @Property(tries = 50)
    void neverHoldsMoreThanItsCapacity(@ForAll @IntRange(min = 16, max = 600) int capacity,
            @ForAll @IntRange(min = 0, max = 5_000) int peers) {
        PeerMemory m = new PeerMemory(new ManualTicker(0), capacity, Duration.ofMinutes(1));
        for (int i = 0; i < peers; i++) {
            if (i % 3 == 0) {
                m.waitedForEof(v4(i), true);
            } else {
                m.closedFirst(v4(i), true);
            }
        }
        assertThat(m.size()).isLessThanOrEqualTo(m.capacity()).isLessThanOrEqualTo(capacity);
        assertThat(m.capacity()).isGreaterThan(capacity - 16);
        assertThat(m.size() + m.evicted()).isEqualTo(peers);
    }

    @Test
    void theMostRecentlyUsedPeerSurvivesAFlood() {
        PeerMemory m = new PeerMemory(new ManualTicker(0), 64, Duration.ofMinutes(1)); // 4 per stripe
        InetAddress proxy = v4(0);
        m.closedFirst(proxy, true);
        for (int i = 1; i < 10_000; i++) {
            assertThat(m.habit(proxy)).isEqualTo(PeerHabit.CLOSES_FIRST); // used between every newcomer
            m.waitedForEof(v4(i), true);
        }
        assertThat(m.size()).isLessThanOrEqualTo(64);
    }

    @Test
    void manyThreadsLearnWithoutLosingTheBound() throws Exception {
        PeerMemory m = new PeerMemory(new ManualTicker(0), 256, Duration.ofMinutes(1));
        ExecutorService pool = Executors.newFixedThreadPool(4);
        CountDownLatch start = new CountDownLatch(1);
        List<Future<?>> done = new ArrayList<>();
        for (int w = 0; w < 4; w++) {
            int base = w * 100_000;
            done.add(pool.submit(() -> {
                start.await();
                for (int i = 0; i < 20_000; i++) {
                    m.closedFirst(v4(base + i % 1_000), true);
                    m.habit(v4(base + (i * 7) % 1_000));
                }
                return null;
            }));
        }
        start.countDown();
        for (Future<?> f : done) {
            f.get(60, TimeUnit.SECONDS);
        }
        pool.shutdown();
        assertThat(m.size()).isLessThanOrEqualTo(256);
        assertThat(m.probesClosedFirst()).isEqualTo(80_000);
    }
}
