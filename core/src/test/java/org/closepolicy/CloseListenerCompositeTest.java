package org.closepolicy;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.closepolicy.support.RecordingListener;
import org.closepolicy.support.TestView;
import org.junit.jupiter.api.Test;

/** A composite listener calls every listener in order, and one listener's failure does not stop the others. */
class CloseListenerCompositeTest {

    private static final CloseEvent EVENT = new CloseEvent(7, null, null, Protocol.HTTP1, WhoClosed.REMOTE_FIN, Closer.CLIENT_FIRST,
            CloseMode.FIN, CloseMode.FIN, FallbackReason.NONE, RetireReason.MAX_REQUESTS, 1, 1, 1, Duration.ZERO, Duration.ZERO);

    private static final class Failing implements CloseListener {
        int calls;

        @Override
        public void onClose(CloseEvent event) {
            calls++;
            throw new IllegalStateException("listener bug");
        }

        @Override
        public void onOpen(ConnectionView view) {
            calls++;
            throw new IllegalStateException("listener bug");
        }

        @Override
        public void onRetire(ConnectionView view, Retire decision) {
            calls++;
            throw new IllegalStateException("listener bug");
        }

        @Override
        public void onReuse(ConnectionView view) {
            calls++;
            throw new IllegalStateException("listener bug");
        }
    }

    @Test
    void aFailingListenerDoesNotStopTheOthers() {
        Failing failing = new Failing();
        RecordingListener after = new RecordingListener();
        CloseListener both = CloseListener.composite(failing, after);
        TestView v = TestView.http11();
        Retire r = ClosePolicies.serverFin().defaults().retire(RetireReason.MAX_REQUESTS);

        both.onOpen(v);
        both.onReuse(v);
        both.onRetire(v, r);
        both.onClose(EVENT);

        assertThat(failing.calls).isEqualTo(4);
        assertThat(after.opens).isEqualTo(1);
        assertThat(after.reuses).isEqualTo(1);
        assertThat(after.retires).containsExactly(r);
        assertThat(after.closes).containsExactly(EVENT);
    }

    @Test
    void listenersAreCalledInOrder() {
        List<String> order = new ArrayList<>();
        CloseListener a = new CloseListener() {
            @Override
            public void onClose(CloseEvent event) {
                order.add("a");
            }
        };
        CloseListener b = new CloseListener() {
            @Override
            public void onClose(CloseEvent event) {
                order.add("b");
            }
        };
        CloseListener.composite(b, a, b).onClose(EVENT);
        assertThat(order).containsExactly("b", "a", "b");
    }

    @Test
    void theNoOpListenerAndAnEmptyCompositeDoNothing() {
        CloseListener.NONE.onClose(EVENT);
        CloseListener.NONE.onOpen(TestView.http11());
        CloseListener.composite().onClose(EVENT);
        assertThat(CloseListener.NONE.toString()).isEqualTo("CloseListener.NONE");
    }

    @Test
    void closeStatsWorksAsOneOfSeveralListeners() {
        CloseStats stats = new CloseStats();
        CloseListener.composite(new Failing(), stats).onClose(EVENT);
        assertThat(stats.closed()).isEqualTo(1);
    }
}
