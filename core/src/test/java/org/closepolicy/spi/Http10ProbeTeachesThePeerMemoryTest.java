package org.closepolicy.spi;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.closepolicy.CloseSettings;
import org.closepolicy.ClosePolicy;
import org.closepolicy.CloseEvent;
import org.closepolicy.CloseMode;
import org.closepolicy.FallbackReason;
import org.closepolicy.HttpVersion;
import org.closepolicy.PeerHabit;
import org.closepolicy.Protocol;
import org.closepolicy.Retire;
import org.closepolicy.WhoClosed;
import org.closepolicy.spi.CloseStateMachine.State;
import org.closepolicy.support.FakeTransport;
import org.closepolicy.support.ManualTicker;
import org.closepolicy.support.RecordingListener;
import org.closepolicy.support.TestView;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The close of an HTTP/1.0 exchange with a length-delimited response, step by step: an unknown peer gets a short
 * wait for its FIN, whatever ends the wait is remembered, and the next connection from that address is closed
 * as the peer does it. Never an RST for a peer that waited for EOF.
 */
class Http10ProbeTeachesThePeerMemoryTest {

    private static final long T0 = Duration.ofHours(1).toNanos();

    private final ManualTicker ticker = new ManualTicker(T0);
    private final PeerMemory peers = new PeerMemory(ticker);
    private final RecordingListener listener = new RecordingListener();

    private final class Conn {
        final FakeTransport transport = new FakeTransport(ticker);
        final ConnectionRecord record = new ConnectionRecord(Protocol.HTTP1, TestView.address("10.0.0.7", 40_000 + (int) (ticker.nanos() % 1000)),
                TestView.address("10.0.0.1", 8080), ticker.nanos(), null, peers);
        final CloseStateMachine machine = new CloseStateMachine(transport, record, ticker, listener);

        Conn() {
            transport.attach(machine);
            transport.unacked = 0; // the socket proves every byte acknowledged when the peer's FIN comes
            record.onRequest(HttpVersion.HTTP_1_0, true, ticker.nanos());
            record.onResponse(false, false, ticker.nanos());
        }

        Retire decideAndFlush(ClosePolicy p) {
            Retire r = (Retire) p.decide(record, ticker.nanos());
            machine.retire(r, false);
            machine.onResponseFlushed();
            return r;
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"client-first", "safe-reset"})
    void aPeerThatClosesWithinTheProbeIsRememberedAndGetsClientFirstFromThenOn(String preset) {
        ClosePolicy p = ClosePolicy.parse(preset);
        Conn first = new Conn();
        Retire probe = first.decideAndFlush(p);
        assertThat(probe.probesPeer()).isTrue();
        assertThat(first.machine.deadlineNanos() - T0).isEqualTo(CloseSettings.DEFAULT_EOF_PROBE.toNanos());

        ticker.advance(Duration.ofMillis(1));
        first.machine.onPeerFin();
        assertThat(first.machine.state()).isEqualTo(State.CLOSED);
        assertThat(listener.closes.get(0).whoClosed()).isEqualTo(WhoClosed.REMOTE_FIN);
        assertThat(peers.habit(first.record.remoteAddress())).isEqualTo(PeerHabit.CLOSES_FIRST);

        Conn next = new Conn();
        Retire known = next.decideAndFlush(p);
        assertThat(known.probesPeer()).isFalse();
        assertThat(known.clientWait()).isEqualTo(Duration.ofSeconds(2));
        next.machine.onPeerFin();
        assertThat(listener.closes.get(1).serverHoldsTimeWait()).isFalse();
        assertThat(peers.probesClosedFirst()).isEqualTo(1);
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"client-first", "safe-reset", "keep-alive, reuse.max-requests=1"})
    void aPeerThatWaitsForEofGetsAFinAfterOneProbeAndAPromptFinAfterwards(String spec) {
        ClosePolicy p = ClosePolicy.parse(spec);
        Conn first = new Conn();
        first.decideAndFlush(p);
        first.transport.advance(CloseSettings.DEFAULT_EOF_PROBE); // the probe runs out: one look at the send queue
        assertThat(first.machine.state()).isEqualTo(State.AWAIT_PEER_FIN);
        first.machine.onAcked();

        CloseEvent e = listener.closes.get(0);
        assertThat(e.usedMode()).isEqualTo(CloseMode.FIN);
        assertThat(e.fallbackReason()).isEqualTo(FallbackReason.CLIENT_WAIT_EXPIRED);
        assertThat(first.transport.resets).isZero();
        assertThat(first.transport.closes).isEqualTo(1);
        assertThat(e.closeDuration()).isEqualTo(CloseSettings.DEFAULT_EOF_PROBE);
        assertThat(peers.habit(first.record.remoteAddress())).isEqualTo(PeerHabit.WAITS_FOR_EOF);

        Conn next = new Conn();
        next.decideAndFlush(p);
        assertThat(next.machine.state()).as("a prompt FIN, no wait").isEqualTo(State.CLOSED);
        assertThat(next.transport.resets).isZero();
        assertThat(listener.closes.get(1).whoClosed()).isEqualTo(WhoClosed.LOCAL_FIN);
    }

    @Test
    void aKnownCloserThatStopsClosingIsFinishedWithAFinAndRelearned() {
        ClosePolicy p = ClosePolicy.parse("safe-reset");
        peers.closedFirst(TestView.address("10.0.0.7", 1).getAddress(), true);
        Conn c = new Conn();
        c.decideAndFlush(p);
        c.transport.advance(Duration.ofSeconds(2));
        c.machine.onAcked();
        assertThat(c.transport.resets).as("never the ack-checked RST for an HTTP/1.0 peer").isZero();
        assertThat(peers.habit(c.record.remoteAddress())).isEqualTo(PeerHabit.WAITS_FOR_EOF);
    }

    @Test
    void http11ExchangesTeachNothing() {
        Conn c = new Conn();
        c.record.onRequest(HttpVersion.HTTP_1_1, true, ticker.nanos());
        c.decideAndFlush(ClosePolicy.parse("client-first"));
        c.machine.onPeerFin();
        assertThat(peers.size()).isZero();
    }
}
