package org.closepolicy.spi;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.closepolicy.ClosePolicy;
import org.closepolicy.RetireReason;
import org.closepolicy.kernel.AckResult;
import org.closepolicy.kernel.AckWatcher;
import org.closepolicy.kernel.TcpSnapshot;
import org.closepolicy.support.FakeTransport;
import org.closepolicy.support.ManualTicker;
import org.closepolicy.support.RecordingListener;
import org.closepolicy.support.TestView;
import org.junit.jupiter.api.Test;

/** An ack check settles the machine with the outcome of its latest watch only; earlier or cancelled ones settle nothing. */
class AckCheckSettlesOnlyTheLatestWatchTest {

    private final ManualTicker ticker = new ManualTicker(Duration.ofHours(1).toNanos());
    private final FakeTransport transport = new FakeTransport(ticker);
    private final RecordingListener listener = new RecordingListener();
    private final CloseStateMachine machine = new CloseStateMachine(transport, TestView.http11().requestsServed(1), ticker, listener);
    private final List<int[]> delivered = new ArrayList<>();
    private final List<AckResult> results = new ArrayList<>();

    {
        transport.attach(machine);
    }

    private void record(int generation, AckResult result) {
        delivered.add(new int[] {generation});
        results.add(result);
    }

    /** The machine waits for an acknowledgement before its RST (AWAIT_ACK). */
    private void awaitAck() {
        machine.retire(ClosePolicy.parse("server-fin, close.mode=rst").defaults().retire(RetireReason.MAX_REQUESTS), true);
        assertThat(machine.state()).isEqualTo(CloseStateMachine.State.AWAIT_ACK);
    }

    @Test
    void aReplacedWatchSettlesNothing() {
        awaitAck();
        AckCheck acks = new AckCheck();
        try (AckWatcher unreadable = AckWatcher.builder().source(() -> TcpSnapshot.unsupported("test")).build()) {
            InetSocketAddress a = new InetSocketAddress("127.0.0.1", 1);
            InetSocketAddress b = new InetSocketAddress("127.0.0.1", 2);
            acks.start(unreadable, a, b, 0, this::record);
            int first = 0;
            acks.start(unreadable, a, b, 0, this::record); // replaces the first
            assertThat(acks.settle(first, AckResult.ACKED, machine)).isFalse();
            assertThat(machine.state()).isEqualTo(CloseStateMachine.State.AWAIT_ACK);
            assertThat(transport.resets).isZero();
        }
    }

    @Test
    void unknownAddressesEndAtOnceAsUnsupportedAndCloseWithAFin() {
        awaitAck();
        AckCheck acks = new AckCheck();
        acks.start(AckWatcher.shared(), null, null, 0, this::record);
        assertThat(results).containsExactly(AckResult.UNSUPPORTED);
        assertThat(acks.settle(delivered.get(0)[0], results.get(0), machine)).isTrue();
        assertThat(machine.state()).isEqualTo(CloseStateMachine.State.CLOSED);
        assertThat(transport.resets).isZero();
        assertThat(transport.closes).isEqualTo(1);
    }

    @Test
    void aCancelledWatchSettlesNothing() {
        awaitAck();
        AckCheck acks = new AckCheck();
        acks.start(AckWatcher.shared(), null, null, 0, this::record);
        acks.cancel();
        assertThat(acks.settle(delivered.get(0)[0], AckResult.ACKED, machine)).isFalse();
        assertThat(transport.resets).isZero();
    }
}
