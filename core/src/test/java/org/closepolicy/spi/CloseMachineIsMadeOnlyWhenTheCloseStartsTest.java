package org.closepolicy.spi;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.closepolicy.ClosePolicy;
import org.closepolicy.CloseMode;
import org.closepolicy.Protocol;
import org.closepolicy.RetireReason;
import org.closepolicy.WhoClosed;
import org.closepolicy.spi.CloseStateMachine.State;
import org.closepolicy.support.FakeTransport;
import org.closepolicy.support.ManualTicker;
import org.closepolicy.support.RecordingListener;
import org.junit.jupiter.api.Test;

/**
 * A kept connection is its own record and carries no close state machine: questions about its state make none, the first event that
 * needs one makes it once, and a machine made late behaves as one made at the connection's start.
 */
class CloseMachineIsMadeOnlyWhenTheCloseStartsTest {

    private static final long T0 = Duration.ofHours(1).toNanos();

    private final ManualTicker ticker = new ManualTicker(T0);
    private final RecordingListener listener = new RecordingListener();

    /** A connection as an adapter keeps it, counting the machines it makes. */
    private final class Connection extends ConnectionClose {
        final FakeTransport transport = new FakeTransport(ticker);
        int made;

        Connection() {
            super(Protocol.HTTP1, null, null, T0 - Duration.ofSeconds(2).toNanos(), null, null);
        }

        @Override
        protected CloseStateMachine newMachine() {
            made++;
            CloseStateMachine m = new CloseStateMachine(transport, this, ticker, listener);
            transport.attach(m);
            return m;
        }
    }

    @Test
    void askingAboutAnOpenConnectionMakesNoMachine() {
        Connection c = new Connection();

        assertThat(c.isRetired()).isFalse();
        assertThat(c.isClosed()).isFalse();
        assertThat(c.closeState()).isEqualTo(State.OPEN);
        assertThat(c.machineIfMade()).isNull();
        assertThat(c.made).isZero();
        assertThat(c.protocol()).isEqualTo(Protocol.HTTP1); // the connection is the policy's view
    }

    @Test
    void theFirstRetirementMakesTheMachineOnceAndItClosesAsTheDecisionSays() {
        Connection c = new Connection();

        c.machine().retire(ClosePolicy.parse("server-fin").defaults().retire(RetireReason.MAX_REQUESTS), true);
        c.machine().onPeerFin();

        assertThat(c.made).isOne();
        assertThat(c.isRetired()).isTrue();
        assertThat(c.isClosed()).isTrue();
        assertThat(c.transport.closes).isOne();
        assertThat(listener.closes).singleElement()
                .satisfies(e -> assertThat(e.whoClosed()).isEqualTo(WhoClosed.LOCAL_FIN))
                .satisfies(e -> assertThat(e.usedMode()).isEqualTo(CloseMode.FIN));
    }

    @Test
    void aConnectionEndingOpenGetsItsOneCloseEventFromAMachineMadeThen() {
        Connection c = new Connection();

        c.machine().onPeerFin();

        assertThat(c.made).isOne();
        assertThat(c.closeState()).isEqualTo(State.CLOSED);
        assertThat(listener.closes).singleElement()
                .satisfies(e -> assertThat(e.whoClosed()).isEqualTo(WhoClosed.REMOTE_FIN))
                .satisfies(e -> assertThat(e.retireReason()).isNull());
    }
}
