package org.closepolicy;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.closepolicy.support.RecordingListener;
import org.closepolicy.support.TestView;
import org.junit.jupiter.api.Test;

/** Listeners written as lambdas, and stats that pass their events on instead of a second set of counters. */
class ListenersFromLambdasTest {

    private static final CloseEvent EVENT = new CloseEvent(7, null, null, Protocol.HTTP1, WhoClosed.REMOTE_FIN, Closer.CLIENT_FIRST,
            CloseMode.FIN, CloseMode.FIN, FallbackReason.NONE, RetireReason.MAX_REQUESTS, 1, 10, 20, Duration.ZERO, Duration.ZERO);

    @Test
    void onCloseTakesALambdaAndIgnoresTheOtherCallbacks() {
        List<CloseEvent> seen = new ArrayList<>();
        CloseListener listener = CloseListener.onClose(seen::add);
        TestView v = TestView.http11();

        listener.onOpen(v);
        listener.onReuse(v);
        listener.onClose(EVENT);

        assertThat(seen).containsExactly(EVENT);
    }

    @Test
    void onRetireTakesALambda() {
        List<Retire> seen = new ArrayList<>();
        Retire r = ClosePolicies.serverFin().defaults().retire(RetireReason.MAX_REQUESTS);
        CloseListener.onRetire((view, retire) -> seen.add(retire)).onRetire(TestView.http11(), r);

        assertThat(seen).containsExactly(r);
    }

    @Test
    void statsCountOnceAndForwardEveryCallback() {
        CloseStats stats = new CloseStats();
        RecordingListener forwarded = new RecordingListener();
        stats.forwardTo(forwarded).forwardTo(forwarded); // the second time adds nothing
        TestView v = TestView.http11();

        stats.onOpen(v);
        stats.onReuse(v);
        stats.onRetire(v, ClosePolicies.serverFin().defaults().retire(RetireReason.MAX_REQUESTS));
        stats.onClose(EVENT);

        assertThat(forwarded.opens).isEqualTo(1);
        assertThat(forwarded.closes).containsExactly(EVENT);
        assertThat(stats.opened()).isEqualTo(1);
        assertThat(stats.closed()).isEqualTo(1);
        assertThat(stats.bytesIn()).isEqualTo(10);
        assertThat(stats.bytesOut()).isEqualTo(20);
    }

    @Test
    void aThrowingForwardedListenerDoesNotStopTheCounting() {
        CloseStats stats = new CloseStats();
        stats.forwardTo(CloseListener.onClose(e -> {
            throw new IllegalStateException("listener bug");
        }));

        stats.onClose(EVENT);
        stats.onClose(EVENT);

        assertThat(stats.closed()).isEqualTo(2);
    }
}
