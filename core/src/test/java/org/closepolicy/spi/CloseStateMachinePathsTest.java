package org.closepolicy.spi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.closepolicy.ClosePolicies;
import org.closepolicy.ClosePolicy;
import org.closepolicy.CloseEvent;
import org.closepolicy.CloseListener;
import org.closepolicy.CloseMode;
import org.closepolicy.Closer;
import org.closepolicy.ConnectionView;
import org.closepolicy.FallbackReason;
import org.closepolicy.Retire;
import org.closepolicy.RetireReason;
import org.closepolicy.WhoClosed;
import org.closepolicy.spi.CloseStateMachine.State;
import org.closepolicy.support.FakeTransport;
import org.closepolicy.support.ManualTicker;
import org.closepolicy.support.RecordingListener;
import org.closepolicy.support.TestView;
import org.junit.jupiter.api.Test;

/** Each way a connection's close can go, step by step. */
class CloseStateMachinePathsTest {

    private static final long T0 = Duration.ofHours(1).toNanos();

    private final ManualTicker ticker = new ManualTicker(T0);
    private final FakeTransport transport = new FakeTransport(ticker);
    private final RecordingListener listener = new RecordingListener();
    private final TestView view = TestView.http11().requestsServed(1).bytes(300, 1_900).openedAt(T0 - Duration.ofSeconds(2).toNanos())
            .lastActivity(T0);
    private final CloseStateMachine machine = new CloseStateMachine(transport, view, ticker, listener);

    {
        transport.attach(machine);
    }

    private static Retire retire(String spec) {
        return retire(spec, RetireReason.MAX_REQUESTS);
    }

    private static Retire retire(String spec, RetireReason reason) {
        return ClosePolicy.parse(spec).defaults().retire(reason);
    }

    private CloseEvent event() {
        assertThat(machine.state()).isEqualTo(State.CLOSED);
        assertThat(listener.closes).hasSize(1);
        return listener.closes.get(0);
    }

    private static long nanos(Duration d) {
        return d.toNanos();
    }

    /** The client wait ran out and the machine takes one look at the send queue before any fallback. */
    private void expectOneLook() {
        assertThat(machine.state()).isEqualTo(State.AWAIT_PEER_FIN);
        assertThat(machine.clientWait()).isEqualTo(ClientWait.ONE_LOOK);
        assertThat(transport.ackWatchTimeoutNanos).isZero();
        assertThat(transport.closes + transport.resets + transport.shutdowns).isZero();
    }

    // --- server-first FIN -------------------------------------------------------------------

    @Test
    void serverFinClosesAsSoonAsTheResponseIsFlushed() {
        machine.retire(retire("server-fin"), false);
        assertThat(machine.state()).isEqualTo(State.DRAINING_RESPONSE);
        assertThat(machine.deadlineNanos()).isEqualTo(T0 + nanos(Duration.ofSeconds(60)));
        assertThat(transport.timerDue()).isEqualTo(machine.deadlineNanos());
        assertThat(listener.retires).containsExactly(machine.decision());

        ticker.advance(Duration.ofMillis(3));
        machine.onResponseFlushed();

        assertThat(transport.calls).containsExactly("schedule", "cancel", "close");
        CloseEvent e = event();
        assertThat(e.whoClosed()).isEqualTo(WhoClosed.LOCAL_FIN);
        assertThat(e.plannedCloser()).isEqualTo(Closer.SERVER_FIRST);
        assertThat(e.plannedMode()).isEqualTo(CloseMode.FIN);
        assertThat(e.usedMode()).isEqualTo(CloseMode.FIN);
        assertThat(e.fallbackReason()).isEqualTo(FallbackReason.NONE);
        assertThat(e.retireReason()).isEqualTo(RetireReason.MAX_REQUESTS);
        assertThat(e.requestsServed()).isEqualTo(1);
        assertThat(e.bytesIn()).isEqualTo(300);
        assertThat(e.bytesOut()).isEqualTo(1_900);
        assertThat(e.closeDuration()).isEqualTo(Duration.ofMillis(3));
        assertThat(e.lifetime()).isEqualTo(Duration.ofMillis(2_003));
        assertThat(e.serverHoldsTimeWait()).isTrue();
        assertThat(machine.event()).isSameAs(e);
        assertThat(machine.deadlineNanos()).isEqualTo(Long.MAX_VALUE);
    }

    @Test
    void aServerFinToAPeerThatAnswersItLingersUnlessNothingIsLeftToLose() {
        // TLS: the client's close_notify, arriving (or waiting unread) at a closed socket, would make the kernel reset
        // the connection and drop what it has not sent yet.
        transport.peerAnswersClose = true;
        transport.unacked = 65_536;
        machine.retire(retire("server-fin"), false);
        machine.onResponseFlushed();
        assertThat(machine.state()).isEqualTo(State.LINGERING);
        assertThat(transport.shutdowns).isEqualTo(1);
        assertThat(transport.closes).isZero();

        machine.onInput(31); // the client's close_notify, read and dropped
        machine.onPeerFin();
        CloseEvent e = event();
        assertThat(e.whoClosed()).isEqualTo(WhoClosed.LOCAL_FIN);
        assertThat(e.usedMode()).isEqualTo(CloseMode.LINGER);
        assertThat(transport.closes).isEqualTo(1);
        assertThat(transport.resets).isZero();
    }

    @Test
    void aServerFinToAPeerThatAnswersItClosesAtOnceWhenEveryByteIsAcknowledged() {
        transport.peerAnswersClose = true;
        transport.unacked = 0;
        machine.retire(retire("server-fin"), false);
        machine.onResponseFlushed();
        assertThat(transport.calls).containsExactly("schedule", "cancel", "close");
        assertThat(event().usedMode()).isEqualTo(CloseMode.FIN);
    }

    @Test
    void aServerFinToAPeerThatAnswersItLingersWhenTheKernelCannotTell() {
        transport.peerAnswersClose = true; // unacked stays -1
        machine.retire(retire("server-fin"), true);
        assertThat(machine.state()).isEqualTo(State.LINGERING);
        assertThat(transport.timerDue()).isEqualTo(T0 + nanos(Duration.ofSeconds(5))); // close.linger-timeout
        transport.fireTimer(); // the peer stayed silent
        assertThat(event().usedMode()).isEqualTo(CloseMode.LINGER);
        assertThat(transport.closes).isEqualTo(1);
    }

    @Test
    void anAlreadyFlushedRetirementClosesAtOnce() {
        machine.retire(retire("server-fin"), true);
        assertThat(transport.calls).containsExactly("cancel", "close");
        assertThat(event().closeDuration()).isZero();
    }

    @Test
    void theFirstRetirementWins() {
        machine.retire(retire("client-first"), false);
        machine.retire(retire("server-fin"), true);
        assertThat(machine.state()).isEqualTo(State.DRAINING_RESPONSE);
        assertThat(machine.decision().closer()).isEqualTo(Closer.CLIENT_FIRST);
        assertThat(listener.retires).hasSize(1);
    }

    // --- lingering ------------------------------------------------------------------------------

    @Test
    void lingeringHalfClosesAndEndsOnThePeersFin() {
        machine.retire(retire("lingering"), true);
        assertThat(machine.state()).isEqualTo(State.LINGERING);
        assertThat(transport.calls).containsExactly("schedule", "shutdownOutput");
        assertThat(machine.deadlineNanos()).isEqualTo(T0 + nanos(Duration.ofSeconds(5)));

        ticker.advance(Duration.ofSeconds(1));
        machine.onInput(100);
        assertThat(machine.discardedBytes()).isEqualTo(100);
        assertThat(machine.deadlineNanos()).isEqualTo(T0 + nanos(Duration.ofSeconds(6)));
        machine.onPeerFin();

        CloseEvent e = event();
        assertThat(transport.closes).isEqualTo(1);
        assertThat(transport.resets).isZero();
        assertThat(e.whoClosed()).isEqualTo(WhoClosed.LOCAL_FIN);
        assertThat(e.usedMode()).isEqualTo(CloseMode.LINGER);
        assertThat(e.fallbackReason()).isEqualTo(FallbackReason.NONE);
    }

    @Test
    void lingeringEndsAfterLingerTimeEvenWhenInputKeepsComing() {
        machine.retire(retire("lingering"), true);
        for (int i = 0; i < 7; i++) {
            transport.advance(Duration.ofSeconds(4));
            machine.onInput(10);
        }
        assertThat(machine.state()).isEqualTo(State.LINGERING);
        assertThat(machine.deadlineNanos()).isEqualTo(T0 + nanos(Duration.ofSeconds(30)));
        transport.advance(Duration.ofSeconds(2) .minusNanos(1));
        assertThat(machine.state()).isEqualTo(State.LINGERING);
        transport.advance(Duration.ofNanos(1));
        assertThat(event().usedMode()).isEqualTo(CloseMode.LINGER);
        assertThat(event().closeDuration()).isEqualTo(Duration.ofSeconds(30));
    }

    @Test
    void lingeringEndsWhenTooManyBytesArrive() {
        machine.retire(retire("lingering, close.linger-bytes=1KiB"), true);
        machine.onInput(1_024);
        assertThat(machine.state()).isEqualTo(State.LINGERING);
        machine.onInput(1);
        assertThat(event().usedMode()).isEqualTo(CloseMode.LINGER);
        assertThat(machine.discardedBytes()).isEqualTo(1_025);
        assertThat(transport.closes).isEqualTo(1);
    }

    @Test
    void lingeringEndsAfterSilence() {
        machine.retire(retire("lingering"), true);
        transport.advance(Duration.ofSeconds(5).minusNanos(1));
        assertThat(machine.state()).isEqualTo(State.LINGERING);
        transport.advance(Duration.ofNanos(1));
        assertThat(event().closeDuration()).isEqualTo(Duration.ofSeconds(5));
        assertThat(transport.calls).containsExactly("schedule", "shutdownOutput", "cancel", "close");
    }

    @Test
    void unreadInputTurnsAServerFinIntoLingering() {
        Retire d = (Retire) ClosePolicies.serverFin().decide(view.unreadInput(true), T0);
        assertThat(d.mode()).isEqualTo(CloseMode.LINGER);
        machine.retire(d, true);
        assertThat(machine.state()).isEqualTo(State.LINGERING);
        assertThat(transport.shutdowns).isEqualTo(1);
    }

    // --- client-first ---------------------------------------------------------------------------

    @Test
    void clientFirstClosesPassivelyOnTheClientsFin() {
        machine.retire(retire("client-first"), false);
        machine.onResponseFlushed();
        assertThat(machine.state()).isEqualTo(State.AWAIT_PEER_FIN);
        assertThat(machine.deadlineNanos()).isEqualTo(T0 + nanos(Duration.ofSeconds(2)));
        machine.onInput(500); // the client may still send; it is discarded
        transport.advance(Duration.ofMillis(40));
        machine.onPeerFin();

        CloseEvent e = event();
        assertThat(transport.calls).containsExactly("schedule", "schedule", "cancel", "close");
        assertThat(e.whoClosed()).isEqualTo(WhoClosed.REMOTE_FIN);
        assertThat(e.plannedCloser()).isEqualTo(Closer.CLIENT_FIRST);
        assertThat(e.usedMode()).isEqualTo(CloseMode.FIN);
        assertThat(e.fallbackReason()).isEqualTo(FallbackReason.NONE);
        assertThat(e.serverHoldsTimeWait()).isFalse();
    }

    @Test
    void clientFirstLetsTheTransportCloseAtTheClientsFinAndRecordsThePassiveClose() {
        machine.retire(retire("client-first"), false);
        assertThat(transport.closesAtPeerFinAllowed).as("not before the response is flushed").isZero();
        machine.onResponseFlushed();
        assertThat(transport.closesAtPeerFinAllowed).isEqualTo(1);
        transport.advance(Duration.ofMillis(40));
        machine.onPeerFinClosed();

        CloseEvent e = event();
        assertThat(transport.closes + transport.resets + transport.shutdowns).as("the transport already closed").isZero();
        assertThat(e.whoClosed()).isEqualTo(WhoClosed.REMOTE_FIN);
        assertThat(e.usedMode()).isEqualTo(CloseMode.FIN);
        assertThat(e.fallbackReason()).isEqualTo(FallbackReason.NONE);
        assertThat(e.serverHoldsTimeWait()).isFalse();
    }

    @Test
    void aResetInReplyToTheClientsFinKeepsTheFinAsAnEvent() {
        machine.retire(retire("safe-reset"), true);
        assertThat(machine.state()).isEqualTo(State.AWAIT_PEER_FIN);
        assertThat(transport.closesAtPeerFinAllowed).isZero();
    }

    @Test
    void aLingeringFallbackClosedAtTheClientsFinIsRecordedAsLingering() {
        machine.retire(retire("client-first, close.fallback=linger"), true);
        transport.unacked = 0;
        transport.advance(Duration.ofSeconds(2)); // the client wait runs out: one look, then the fallback
        if (machine.state() == State.AWAIT_PEER_FIN) {
            machine.onAckResult(org.closepolicy.kernel.AckResult.ACKED);
        }
        assertThat(machine.state()).isEqualTo(State.LINGERING);
        machine.onPeerFinClosed();

        CloseEvent e = event();
        assertThat(transport.closes).as("the transport already closed").isZero();
        assertThat(e.whoClosed()).isEqualTo(WhoClosed.LOCAL_FIN);
        assertThat(e.usedMode()).isEqualTo(CloseMode.LINGER);
        assertThat(e.fallbackReason()).isEqualTo(FallbackReason.CLIENT_WAIT_EXPIRED);
    }

    @Test
    void safeResetRepliesToTheClientsFinWithAnRst() {
        machine.retire(retire("safe-reset"), true);
        transport.unacked = 0;
        machine.onPeerFin();
        CloseEvent e = event();
        assertThat(transport.resets).isEqualTo(1);
        assertThat(transport.closes).isZero();
        assertThat(e.whoClosed()).isEqualTo(WhoClosed.REMOTE_FIN);
        assertThat(e.usedMode()).isEqualTo(CloseMode.RST);
        assertThat(e.serverHoldsTimeWait()).isFalse();
    }

    @Test
    void safeResetChecksTheAcknowledgementWhenTheSocketCannotTell() {
        // A client may half-close right after its request and read the response later: its FIN proves nothing.
        machine.retire(retire("safe-reset"), true);
        transport.unacked = -1;
        machine.onPeerFin();
        assertThat(transport.resets).isZero();
        assertThat(machine.state()).isEqualTo(State.AWAIT_ACK);
        assertThat(transport.ackWatchTimeoutNanos).isEqualTo(Duration.ofSeconds(1).toNanos());

        machine.onAckResult(org.closepolicy.kernel.AckResult.ACKED);
        CloseEvent e = event();
        assertThat(transport.resets).isEqualTo(1);
        assertThat(transport.closes).isZero();
        assertThat(e.whoClosed()).isEqualTo(WhoClosed.REMOTE_FIN);
        assertThat(e.usedMode()).isEqualTo(CloseMode.RST);
        assertThat(e.fallbackReason()).isEqualTo(FallbackReason.NONE);
    }

    @Test
    void safeResetClosesWithAFinWhenTheAckCheckAtTheClientsFinProvesNothing() {
        machine.retire(retire("safe-reset"), true);
        machine.onPeerFin();
        transport.advance(Duration.ofSeconds(1)); // the ack wait runs out: bytes still queued
        CloseEvent e = event();
        assertThat(transport.resets).isZero();
        assertThat(transport.closes).isEqualTo(1);
        assertThat(e.whoClosed()).as("a passive close").isEqualTo(WhoClosed.REMOTE_FIN);
        assertThat(e.usedMode()).isEqualTo(CloseMode.FIN);
        assertThat(e.fallbackReason()).isEqualTo(FallbackReason.ACK_WAIT_EXPIRED);
        assertThat(e.serverHoldsTimeWait()).isFalse();
    }

    @Test
    void theTransportClosingItselfWhileTheResetWaitsForProofIsAPassiveClose() {
        machine.retire(retire("safe-reset"), true);
        machine.onPeerFin();
        assertThat(machine.state()).isEqualTo(State.AWAIT_ACK);
        machine.onTransportClosed(); // the framework closed the socket after the client's FIN
        CloseEvent e = event();
        assertThat(transport.resets + transport.closes).isZero();
        assertThat(e.whoClosed()).isEqualTo(WhoClosed.REMOTE_FIN);
        assertThat(e.usedMode()).isEqualTo(CloseMode.FIN);
        assertThat(e.fallbackReason()).isEqualTo(FallbackReason.UNACKED_AT_PEER_FIN);
    }

    @Test
    void unreadInputReportedAfterTheClientsFinEndsInAFinNotALinger() {
        machine.retire(retire("safe-reset"), true);
        machine.onPeerFin();
        machine.onAckResult(org.closepolicy.kernel.AckResult.PEER_DATA_WAITING);
        CloseEvent e = event();
        assertThat(transport.resets).isZero();
        assertThat(transport.shutdowns).isZero();
        assertThat(e.whoClosed()).isEqualTo(WhoClosed.REMOTE_FIN);
        assertThat(e.usedMode()).isEqualTo(CloseMode.FIN);
        assertThat(e.fallbackReason()).isEqualTo(FallbackReason.UNACKED_AT_PEER_FIN);
    }

    @Test
    void safeResetWaitsForTheAcknowledgementOfBytesInFlightAndClosesWithAFinWithoutIt() {
        machine.retire(retire("safe-reset"), true);
        transport.unacked = 4_096;
        machine.onPeerFin();
        assertThat(machine.state()).isEqualTo(State.AWAIT_ACK);
        assertThat(transport.ackWatches).isEqualTo(1);
        machine.onAckResult(org.closepolicy.kernel.AckResult.TIMEOUT);
        CloseEvent e = event();
        assertThat(transport.resets).isZero();
        assertThat(transport.closes).isEqualTo(1);
        assertThat(e.whoClosed()).isEqualTo(WhoClosed.REMOTE_FIN);
        assertThat(e.usedMode()).isEqualTo(CloseMode.FIN);
        assertThat(e.fallbackReason()).isEqualTo(FallbackReason.ACK_WAIT_EXPIRED);
    }

    @Test
    void aPeerFinBeforeTheFlushNeverGetsAnRst() {
        machine.retire(retire("safe-reset"), false);
        transport.unacked = 0;
        machine.onPeerFin();
        assertThat(machine.state()).isEqualTo(State.DRAINING_RESPONSE);
        machine.onResponseFlushed();
        CloseEvent e = event();
        assertThat(transport.resets).isZero();
        assertThat(transport.closes).isEqualTo(1);
        assertThat(e.whoClosed()).isEqualTo(WhoClosed.REMOTE_FIN);
        assertThat(e.usedMode()).isEqualTo(CloseMode.FIN);
        assertThat(e.fallbackReason()).isEqualTo(FallbackReason.PEER_FIN_BEFORE_FLUSH);
    }

    @Test
    void clientWaitExpiryWithFinFallbackClosesWithAFin() {
        machine.retire(retire("client-first, close.fallback=fin"), true);
        transport.advance(Duration.ofSeconds(2).minusNanos(1));
        assertThat(machine.state()).isEqualTo(State.AWAIT_PEER_FIN);
        assertThat(transport.ackWatches).isZero();
        transport.advance(Duration.ofNanos(1));
        expectOneLook();
        machine.onAcked(); // the client has everything and did not close
        CloseEvent e = event();
        assertThat(e.whoClosed()).isEqualTo(WhoClosed.LOCAL_FIN);
        assertThat(e.usedMode()).isEqualTo(CloseMode.FIN);
        assertThat(e.fallbackReason()).isEqualTo(FallbackReason.CLIENT_WAIT_EXPIRED);
        assertThat(e.closeDuration()).isEqualTo(Duration.ofSeconds(2));
        assertThat(transport.closes).isEqualTo(1);
    }

    @Test
    void clientWaitExpiryWithLingerFallbackLingers() {
        machine.retire(retire("client-first, close.fallback=linger"), true);
        transport.advance(Duration.ofSeconds(2));
        expectOneLook();
        machine.onAcked();
        assertThat(machine.state()).isEqualTo(State.LINGERING);
        assertThat(transport.shutdowns).isEqualTo(1);
        transport.advance(Duration.ofSeconds(5));
        CloseEvent e = event();
        assertThat(e.whoClosed()).isEqualTo(WhoClosed.LOCAL_FIN);
        assertThat(e.usedMode()).isEqualTo(CloseMode.LINGER);
        assertThat(e.fallbackReason()).isEqualTo(FallbackReason.CLIENT_WAIT_EXPIRED);
        assertThat(e.closeDuration()).isEqualTo(Duration.ofSeconds(7));
    }

    @Test
    void clientWaitExpiryAtTheFlushBoundRunsTheAckCheckedRstAsBefore() {
        // The client wait ends where the flush bound does: no check of its own, the RST fallback checks.
        machine.retire(retire("client-first, close.flush-timeout=2s"), true);
        transport.advance(Duration.ofSeconds(2));
        assertThat(machine.state()).isEqualTo(State.AWAIT_ACK);
        assertThat(transport.ackWatches).isEqualTo(1);
        assertThat(transport.ackWatchTimeoutNanos).isEqualTo(nanos(Duration.ofSeconds(1)));
        assertThat(transport.resets).isZero();
        machine.onAcked();
        CloseEvent e = event();
        assertThat(transport.resets).isEqualTo(1);
        assertThat(e.whoClosed()).isEqualTo(WhoClosed.LOCAL_RST);
        assertThat(e.usedMode()).isEqualTo(CloseMode.RST);
        assertThat(e.fallbackReason()).isEqualTo(FallbackReason.CLIENT_WAIT_EXPIRED);
        assertThat(e.serverHoldsTimeWait()).isFalse();
    }

    @Test
    void anAckWatchEndingGoneProvesNothingSoTheFallbackIsAFin() {
        // The 4-tuple missing from the table (a read that missed it) is no proof of acknowledgement: no RST.
        machine.retire(retire("client-first, close.flush-timeout=2s"), true);
        transport.advance(Duration.ofSeconds(2));
        assertThat(machine.state()).isEqualTo(State.AWAIT_ACK);
        machine.onAckResult(org.closepolicy.kernel.AckResult.GONE);
        CloseEvent e = event();
        assertThat(transport.resets).isZero();
        assertThat(transport.closes).isEqualTo(1);
        assertThat(e.whoClosed()).isEqualTo(WhoClosed.LOCAL_FIN);
        assertThat(e.usedMode()).isEqualTo(CloseMode.FIN);
        assertThat(e.fallbackReason()).isEqualTo(FallbackReason.CLIENT_WAIT_EXPIRED);
    }

    @Test
    void aRequestCrossingAnIdleCloseTurnsItsPendingResetIntoALingeringClose() {
        // The drain's idle close under keep-alive: an RST once every byte is acknowledged. A request that arrives
        // while that proof is pending would be thrown away by the RST; the client gets an EOF instead.
        Retire idle = ClosePolicies.settingsFor(ClosePolicy.parse("keep-alive"), view).retireUnannounced(RetireReason.DRAIN, false);
        machine.retire(idle, true);
        assertThat(machine.state()).isEqualTo(State.AWAIT_ACK);
        long ackDeadline = machine.deadlineNanos();

        ticker.advance(Duration.ofMillis(100));
        machine.onInput(40);
        assertThat(machine.state()).isEqualTo(State.LINGERING);
        assertThat(transport.shutdowns).isEqualTo(1);
        assertThat(machine.deadlineNanos()).as("lingers only for what is left of the ack wait").isEqualTo(ackDeadline);
        machine.onAcked(); // the proof arrives too late to matter: no RST after the FIN
        assertThat(transport.resets).isZero();
        machine.onPeerFin();

        CloseEvent e = event();
        assertThat(transport.resets).isZero();
        assertThat(transport.closes).isEqualTo(1);
        assertThat(e.whoClosed()).isEqualTo(WhoClosed.LOCAL_FIN);
        assertThat(e.usedMode()).isEqualTo(CloseMode.LINGER);
        assertThat(e.fallbackReason()).isEqualTo(FallbackReason.PEER_SENT_DURING_ACK_WAIT);
        assertThat(e.closeDuration()).isLessThanOrEqualTo(idle.maxCloseTime());
    }

    @Test
    void aRequestStillUnreadInTheKernelWhenTheAckProofArrivesAlsoLingersInsteadOfTheRst() {
        // The proof (send queue 0) came while the crossing request sat unread in the receive queue: an RST would
        // throw it away just the same, so the close lingers as for a request read during the wait.
        Retire idle = ClosePolicies.settingsFor(ClosePolicy.parse("keep-alive"), view).retireUnannounced(RetireReason.DRAIN, false);
        machine.retire(idle, true);
        assertThat(machine.state()).isEqualTo(State.AWAIT_ACK);
        long ackDeadline = machine.deadlineNanos();

        ticker.advance(Duration.ofMillis(100));
        machine.onAckResult(org.closepolicy.kernel.AckResult.PEER_DATA_WAITING);
        assertThat(machine.state()).isEqualTo(State.LINGERING);
        assertThat(transport.shutdowns).isEqualTo(1);
        assertThat(transport.resets).isZero();
        assertThat(machine.deadlineNanos()).as("lingers only for what is left of the ack wait").isEqualTo(ackDeadline);
        machine.onInput(40); // the event loop reads the request now: discarded, still lingering
        assertThat(machine.state()).isEqualTo(State.LINGERING);
        machine.onPeerFin();

        CloseEvent e = event();
        assertThat(transport.resets).isZero();
        assertThat(transport.closes).isEqualTo(1);
        assertThat(e.whoClosed()).isEqualTo(WhoClosed.LOCAL_FIN);
        assertThat(e.usedMode()).isEqualTo(CloseMode.LINGER);
        assertThat(e.fallbackReason()).isEqualTo(FallbackReason.PEER_SENT_DURING_ACK_WAIT);
        assertThat(e.closeDuration()).isLessThanOrEqualTo(idle.maxCloseTime());
    }

    @Test
    void aClientWaitLookThatFindsUnreadBytesDoesNotLetTheRstFallbackSkipItsOwnCheck() {
        machine.retire(retire("client-first"), true);
        transport.advance(Duration.ofSeconds(2));
        expectOneLook();
        machine.onAckResult(org.closepolicy.kernel.AckResult.PEER_DATA_WAITING);
        assertThat(transport.resets).as("acknowledged, but not a proof for an RST").isZero();
        assertThat(machine.state()).isEqualTo(State.AWAIT_ACK);
        assertThat(transport.ackWatches).isEqualTo(2);
        machine.onAckResult(org.closepolicy.kernel.AckResult.ACKED);
        assertThat(transport.resets).isEqualTo(1);
        assertThat(event().fallbackReason()).isEqualTo(FallbackReason.CLIENT_WAIT_EXPIRED);
    }

    @Test
    void onlyAnAckedWatchLeadsToTheRst() {
        for (org.closepolicy.kernel.AckResult r : org.closepolicy.kernel.AckResult.values()) {
            ManualTicker t = new ManualTicker(T0);
            FakeTransport tr = new FakeTransport(t);
            RecordingListener l = new RecordingListener();
            CloseStateMachine m = new CloseStateMachine(tr, view, t, l);
            tr.attach(m);
            m.retire(retire("client-first, close.flush-timeout=2s"), true);
            tr.advance(Duration.ofSeconds(2));
            m.onAckResult(r);
            assertThat(m.state()).as("%s", r)
                    .isEqualTo(r == org.closepolicy.kernel.AckResult.PEER_DATA_WAITING ? State.LINGERING : State.CLOSED);
            assertThat(tr.resets).as("%s", r).isEqualTo(r == org.closepolicy.kernel.AckResult.ACKED ? 1 : 0);
        }
    }

    @Test
    void clientWaitExpiryWithUncheckedRstFallbackResetsAfterTheLook() {
        machine.retire(retire("client-first, close.reset-after-ack=false"), true);
        transport.advance(Duration.ofSeconds(2));
        expectOneLook();
        machine.onAcked();
        assertThat(transport.resets).isEqualTo(1);
        assertThat(transport.ackWatches).isEqualTo(1);
        assertThat(event().whoClosed()).isEqualTo(WhoClosed.LOCAL_RST);
    }

    @Test
    void tooMuchInputWhileWaitingForTheClientRunsTheFallback() {
        machine.retire(retire("client-first, close.fallback=fin, close.linger-bytes=1000"), true);
        machine.onInput(1_000);
        assertThat(machine.state()).isEqualTo(State.AWAIT_PEER_FIN);
        machine.onInput(1);
        CloseEvent e = event();
        assertThat(e.fallbackReason()).isEqualTo(FallbackReason.INPUT_LIMIT_EXCEEDED);
        assertThat(e.usedMode()).isEqualTo(CloseMode.FIN);
    }

    // --- the client wait counts from the acknowledgement ----------------------------------------------

    @Test
    void aSlowClientAckedLateThenClosingIsTheClientsClose() {
        machine.retire(retire("client-first"), true);
        transport.advance(Duration.ofSeconds(2));
        expectOneLook();
        assertThat(machine.deadlineNanos()).as("the check ends at the flush bound").isEqualTo(T0 + nanos(Duration.ofSeconds(60)));
        machine.onAckFailed(FallbackReason.ACK_WAIT_EXPIRED); // the look found bytes still queued
        assertThat(machine.clientWait()).isEqualTo(ClientWait.WAITING_FOR_ACK);
        assertThat(transport.ackWatches).isEqualTo(2);
        assertThat(transport.ackWatchTimeoutNanos).isEqualTo(nanos(Duration.ofSeconds(58)));
        assertThat(machine.deadlineNanos()).isEqualTo(T0 + nanos(Duration.ofSeconds(60)));

        transport.advance(Duration.ofSeconds(3));
        machine.onAcked();
        assertThat(machine.clientWait()).isEqualTo(ClientWait.RESTARTED);
        assertThat(machine.deadlineNanos()).isEqualTo(T0 + nanos(Duration.ofSeconds(7)));
        assertThat(transport.timerDue()).isEqualTo(machine.deadlineNanos());
        transport.advance(Duration.ofMillis(1_500));
        machine.onPeerFin();

        CloseEvent e = event();
        assertThat(transport.closes).isEqualTo(1);
        assertThat(transport.resets).isZero();
        assertThat(e.whoClosed()).isEqualTo(WhoClosed.REMOTE_FIN);
        assertThat(e.usedMode()).isEqualTo(CloseMode.FIN);
        assertThat(e.fallbackReason()).isEqualTo(FallbackReason.NONE);
        assertThat(e.serverHoldsTimeWait()).isFalse();
        assertThat(e.closeDuration()).isEqualTo(Duration.ofMillis(6_500));
    }

    @Test
    void aSlowClientAckedLateThatNeverClosesMeetsTheFallbackOneClientWaitAfterTheAck() {
        machine.retire(retire("client-first"), true);
        transport.unacked = 65_536; // bytes certainly in flight when the wait runs out: no look, wait at once
        transport.advance(Duration.ofSeconds(2));
        assertThat(machine.clientWait()).isEqualTo(ClientWait.WAITING_FOR_ACK);
        assertThat(transport.ackWatches).isEqualTo(1);
        assertThat(transport.ackWatchTimeoutNanos).isEqualTo(nanos(Duration.ofSeconds(58)));

        transport.advance(Duration.ofSeconds(4));
        transport.unacked = 0;
        machine.onAcked();
        transport.advance(Duration.ofSeconds(2).minusNanos(1));
        assertThat(machine.state()).isEqualTo(State.AWAIT_PEER_FIN);
        transport.advance(Duration.ofNanos(1));

        CloseEvent e = event();
        assertThat(transport.ackWatches).as("the acknowledgement is proven: no second check").isEqualTo(1);
        assertThat(transport.resets).isEqualTo(1);
        assertThat(e.whoClosed()).isEqualTo(WhoClosed.LOCAL_RST);
        assertThat(e.usedMode()).isEqualTo(CloseMode.RST);
        assertThat(e.fallbackReason()).isEqualTo(FallbackReason.CLIENT_WAIT_EXPIRED);
        assertThat(e.closeDuration()).isEqualTo(Duration.ofSeconds(8));
    }

    @Test
    void aResponseNeverAcknowledgedMeetsTheFallbackAtTheFlushBound() {
        Retire d = retire("client-first, close.flush-timeout=10s");
        machine.retire(d, false);
        ticker.advance(Duration.ofSeconds(1));
        machine.onResponseFlushed();
        transport.unacked = 1;
        transport.advance(Duration.ofSeconds(2));
        assertThat(machine.clientWait()).isEqualTo(ClientWait.WAITING_FOR_ACK);
        assertThat(transport.ackWatchTimeoutNanos).isEqualTo(nanos(Duration.ofSeconds(7)));

        transport.advance(Duration.ofSeconds(7).minusNanos(1));
        assertThat(machine.state()).isEqualTo(State.AWAIT_PEER_FIN);
        transport.advance(Duration.ofNanos(1));
        assertThat(machine.state()).as("the RST fallback checks on its own").isEqualTo(State.AWAIT_ACK);
        assertThat(transport.ackWatches).isEqualTo(2);
        assertThat(transport.ackWatchTimeoutNanos).isEqualTo(nanos(Duration.ofSeconds(1)));
        transport.advance(Duration.ofSeconds(1));

        CloseEvent e = event();
        assertThat(transport.resets).isZero();
        assertThat(e.whoClosed()).isEqualTo(WhoClosed.LOCAL_FIN);
        assertThat(e.usedMode()).isEqualTo(CloseMode.FIN);
        assertThat(e.fallbackReason()).isEqualTo(FallbackReason.CLIENT_WAIT_EXPIRED);
        assertThat(e.closeDuration()).isEqualTo(Duration.ofSeconds(11)).isLessThanOrEqualTo(d.maxCloseTime());
    }

    @Test
    void anAckWaitThatTimesOutRunsTheFallbackWithoutWaitingAgain() {
        machine.retire(retire("client-first, close.fallback=fin"), true);
        transport.advance(Duration.ofSeconds(2));
        machine.onAckFailed(FallbackReason.ACK_WAIT_EXPIRED); // the look: bytes queued
        transport.advance(Duration.ofSeconds(3));
        machine.onAckFailed(FallbackReason.ACK_WAIT_EXPIRED); // the wait: reported as timed out
        CloseEvent e = event();
        assertThat(transport.ackWatches).isEqualTo(2);
        assertThat(e.usedMode()).isEqualTo(CloseMode.FIN);
        assertThat(e.fallbackReason()).isEqualTo(FallbackReason.CLIENT_WAIT_EXPIRED);
        assertThat(e.closeDuration()).isEqualTo(Duration.ofSeconds(5));
    }

    @Test
    void anAckCheckThatCannotBeMadeRunsTheFallbackAtOnce() {
        machine.retire(retire("client-first, close.fallback=fin"), true);
        transport.advance(Duration.ofSeconds(2));
        machine.onAckFailed(FallbackReason.ACK_CHECK_UNSUPPORTED);
        CloseEvent e = event();
        assertThat(transport.ackWatches).isEqualTo(1);
        assertThat(e.fallbackReason()).isEqualTo(FallbackReason.CLIENT_WAIT_EXPIRED);
        assertThat(e.closeDuration()).isEqualTo(Duration.ofSeconds(2));
    }

    @Test
    void aFastClientThatNeverClosesMeetsTheFallbackAfterOneClientWaitAndOneLook() {
        Retire d = retire("safe-reset");
        machine.retire(d, true);
        transport.unacked = 0;
        transport.advance(Duration.ofSeconds(2));
        expectOneLook();
        ticker.advance(Duration.ofMillis(10)); // the watcher's next table read
        machine.onAcked();
        CloseEvent e = event();
        assertThat(transport.ackWatches).isEqualTo(1);
        assertThat(transport.resets).isEqualTo(1);
        assertThat(e.whoClosed()).isEqualTo(WhoClosed.LOCAL_RST);
        assertThat(e.fallbackReason()).isEqualTo(FallbackReason.CLIENT_WAIT_EXPIRED);
        assertThat(e.closeDuration()).isEqualTo(Duration.ofMillis(2_010)).isLessThan(d.clientWait().plus(d.ackWait()));
    }

    @Test
    void thePeersFinDuringTheAckCheckIsHandledAsDuringTheClientWait() {
        machine.retire(retire("safe-reset"), true);
        transport.advance(Duration.ofSeconds(2));
        machine.onAckFailed(FallbackReason.ACK_WAIT_EXPIRED);
        transport.advance(Duration.ofMillis(700));
        transport.unacked = 0;
        machine.onPeerFin(); // the client read everything and closed: RST in reply
        CloseEvent e = event();
        assertThat(transport.resets).isEqualTo(1);
        assertThat(e.whoClosed()).isEqualTo(WhoClosed.REMOTE_FIN);
        assertThat(e.usedMode()).isEqualTo(CloseMode.RST);
        assertThat(e.fallbackReason()).isEqualTo(FallbackReason.NONE);
        machine.onAcked(); // the cancelled check's late answer
        assertThat(listener.closes).hasSize(1);
        assertThat(transport.resets + transport.closes).isEqualTo(1);
    }

    @Test
    void thePeersFinDuringTheAckCheckWithBytesInFlightWaitsForTheirAcknowledgement() {
        machine.retire(retire("safe-reset"), true);
        transport.unacked = 8_192;
        transport.advance(Duration.ofSeconds(2));
        machine.onPeerFin();
        assertThat(machine.state()).isEqualTo(State.AWAIT_ACK);
        machine.onAckResult(org.closepolicy.kernel.AckResult.ACKED);
        CloseEvent e = event();
        assertThat(transport.resets).isEqualTo(1);
        assertThat(e.whoClosed()).isEqualTo(WhoClosed.REMOTE_FIN);
        assertThat(e.usedMode()).isEqualTo(CloseMode.RST);
        assertThat(e.fallbackReason()).isEqualTo(FallbackReason.NONE);
    }

    @Test
    void ackAnswersNobodyAskedForAreIgnored() {
        machine.retire(retire("client-first"), true);
        machine.onAcked();
        machine.onAckFailed(FallbackReason.ACK_CHECK_UNSUPPORTED);
        assertThat(machine.clientWait()).isEqualTo(ClientWait.RUNNING);
        assertThat(machine.deadlineNanos()).isEqualTo(T0 + nanos(Duration.ofSeconds(2)));

        transport.unacked = 1;
        transport.advance(Duration.ofSeconds(2));
        transport.advance(Duration.ofSeconds(1));
        machine.onAcked();
        long restartedUntil = machine.deadlineNanos();
        machine.onAcked();
        machine.onAckFailed(FallbackReason.ACK_WAIT_EXPIRED);
        assertThat(machine.clientWait()).as("one restart only").isEqualTo(ClientWait.RESTARTED);
        assertThat(machine.deadlineNanos()).isEqualTo(restartedUntil).isEqualTo(T0 + nanos(Duration.ofSeconds(5)));
        assertThat(transport.closes + transport.resets).isZero();
    }

    @Test
    void tooMuchInputDuringTheAckCheckRunsTheFallback() {
        machine.retire(retire("client-first, close.linger-bytes=100"), true);
        transport.unacked = 1;
        transport.advance(Duration.ofSeconds(2));
        machine.onInput(101);
        assertThat(machine.state()).isEqualTo(State.AWAIT_ACK);
        assertThat(transport.ackWatches).isEqualTo(2);
        machine.onAcked();
        CloseEvent e = event();
        assertThat(e.usedMode()).isEqualTo(CloseMode.RST);
        assertThat(e.fallbackReason()).isEqualTo(FallbackReason.INPUT_LIMIT_EXCEEDED);
    }

    @Test
    void aTransportThatAnswersTheLookAtOnceIsServedReentrantly() {
        FakeTransport unsupported = new FakeTransport(ticker) {
            CloseStateMachine m;

            @Override
            public void attach(CloseStateMachine machine) {
                super.attach(machine);
                m = machine;
            }

            @Override
            public void watchAcks(long timeoutNanos) {
                super.watchAcks(timeoutNanos);
                m.onAckFailed(FallbackReason.ACK_CHECK_UNSUPPORTED);
            }
        };
        CloseStateMachine m = new CloseStateMachine(unsupported, view, ticker, listener);
        unsupported.attach(m);
        m.retire(retire("client-first"), true);
        unsupported.advance(Duration.ofSeconds(2));
        // The look fails at once, the RST fallback's check fails at once: one FIN, one event.
        assertThat(m.isClosed()).isTrue();
        assertThat(unsupported.ackWatches).isEqualTo(2);
        assertThat(unsupported.closes).isEqualTo(1);
        assertThat(unsupported.resets).isZero();
        assertThat(unsupported.timerArmed()).isFalse();
        assertThat(listener.closes).hasSize(1);
        assertThat(listener.closes.get(0).fallbackReason()).isEqualTo(FallbackReason.CLIENT_WAIT_EXPIRED);
    }

    // --- ack-checked RST ------------------------------------------------------------------------

    @Test
    void serverFirstRstWaitsForEveryByteToBeAcknowledged() {
        machine.retire(retire("server-fin, close.mode=rst, close.ack-wait=500ms"), true);
        assertThat(machine.state()).isEqualTo(State.AWAIT_ACK);
        assertThat(transport.ackWatchTimeoutNanos).isEqualTo(nanos(Duration.ofMillis(500)));
        machine.onAcked();
        assertThat(event().whoClosed()).isEqualTo(WhoClosed.LOCAL_RST);
        assertThat(transport.resets).isEqualTo(1);
    }

    @Test
    void ackWaitExpiryFallsBackToAFin() {
        machine.retire(retire("server-fin, close.mode=rst, close.ack-wait=500ms"), true);
        transport.advance(Duration.ofMillis(500));
        CloseEvent e = event();
        assertThat(transport.resets).isZero();
        assertThat(transport.closes).isEqualTo(1);
        assertThat(e.whoClosed()).isEqualTo(WhoClosed.LOCAL_FIN);
        assertThat(e.usedMode()).isEqualTo(CloseMode.FIN);
        assertThat(e.fallbackReason()).isEqualTo(FallbackReason.ACK_WAIT_EXPIRED);
        machine.onAcked(); // too late: ignored
        assertThat(transport.resets).isZero();
    }

    @Test
    void anUnsupportedAckCheckFallsBackToAFin() {
        machine.retire(retire("server-fin, close.mode=rst"), true);
        machine.onAckFailed(FallbackReason.ACK_CHECK_UNSUPPORTED);
        assertThat(event().fallbackReason()).isEqualTo(FallbackReason.ACK_CHECK_UNSUPPORTED);
        assertThat(transport.closes).isEqualTo(1);
    }

    @Test
    void thePeersFinDuringTheAckWaitClosesPassivelyAndSaysWhy() {
        machine.retire(retire("server-fin, close.mode=rst"), true);
        transport.unacked = 0;
        machine.onPeerFin();
        CloseEvent e = event();
        assertThat(transport.resets).isZero();
        assertThat(e.whoClosed()).isEqualTo(WhoClosed.REMOTE_FIN);
        assertThat(e.usedMode()).isEqualTo(CloseMode.FIN);
        assertThat(e.fallbackReason()).isEqualTo(FallbackReason.UNACKED_AT_PEER_FIN);
    }

    @Test
    void anAckBeforeTheFlushIsIgnored() {
        machine.retire(retire("server-fin, close.mode=rst"), false);
        machine.onAcked();
        assertThat(machine.state()).isEqualTo(State.DRAINING_RESPONSE);
        assertThat(transport.resets).isZero();
    }

    // --- flush timeout, idle, abort, peer reset ---------------------------------------------------

    @Test
    void aResponseThatCannotBeFlushedIsClosedAfterTheFlushTimeout() {
        machine.retire(retire("safe-reset, close.flush-timeout=10s"), false);
        transport.advance(Duration.ofSeconds(10));
        CloseEvent e = event();
        assertThat(e.fallbackReason()).isEqualTo(FallbackReason.FLUSH_TIMEOUT);
        assertThat(e.usedMode()).isEqualTo(CloseMode.FIN);
        assertThat(e.whoClosed()).isEqualTo(WhoClosed.LOCAL_FIN);
        assertThat(transport.resets).isZero();
    }

    @Test
    void aFlushTimeoutAfterThePeersFinIsThePeersClose() {
        machine.retire(retire("server-fin, close.flush-timeout=10s"), false);
        machine.onPeerFin();
        transport.advance(Duration.ofSeconds(10));
        CloseEvent e = event();
        assertThat(e.whoClosed()).isEqualTo(WhoClosed.REMOTE_FIN);
        assertThat(e.fallbackReason()).isEqualTo(FallbackReason.FLUSH_TIMEOUT);
    }

    @Test
    void anIdleRetirementReportsTimeout() {
        Retire idle = (Retire) ClosePolicies.keepAlive().decide(view.requestsServed(3).lastActivity(T0 - nanos(Duration.ofSeconds(75))), T0);
        assertThat(idle.reason()).isEqualTo(RetireReason.IDLE_TIMEOUT);
        assertThat(idle.closer()).isEqualTo(Closer.SERVER_FIRST);
        machine.retire(idle, true);
        assertThat(machine.state()).isEqualTo(State.AWAIT_ACK);
        machine.onAcked();
        CloseEvent e = event();
        assertThat(e.whoClosed()).isEqualTo(WhoClosed.TIMEOUT);
        assertThat(e.usedMode()).isEqualTo(CloseMode.RST);
        assertThat(e.retireReason()).isEqualTo(RetireReason.IDLE_TIMEOUT);
        assertThat(e.serverHoldsTimeWait()).isFalse();
    }

    @Test
    void anIdleServerFinReportsTimeoutAndLeavesTimeWaitOnTheServer() {
        machine.retire(retire("server-fin", RetireReason.IDLE_TIMEOUT), true);
        CloseEvent e = event();
        assertThat(e.whoClosed()).isEqualTo(WhoClosed.TIMEOUT);
        assertThat(e.usedMode()).isEqualTo(CloseMode.FIN);
        assertThat(e.serverHoldsTimeWait()).isTrue();
    }

    @Test
    void anIdleLingeringCloseReportsTimeoutToo() {
        machine.retire(retire("lingering", RetireReason.IDLE_TIMEOUT), true);
        transport.advance(Duration.ofSeconds(5));
        CloseEvent e = event();
        assertThat(e.whoClosed()).isEqualTo(WhoClosed.TIMEOUT);
        assertThat(e.usedMode()).isEqualTo(CloseMode.LINGER);
        assertThat(e.serverHoldsTimeWait()).isTrue();
    }

    @Test
    void thePeersFinOnAnOpenConnectionIsAPassiveClose() {
        machine.onPeerFin();
        CloseEvent e = event();
        assertThat(e.whoClosed()).isEqualTo(WhoClosed.REMOTE_FIN);
        assertThat(e.plannedMode()).isNull();
        assertThat(e.retireReason()).isNull();
        assertThat(transport.closes).isEqualTo(1);
        machine.retire(retire("safe-reset"), true);
        assertThat(listener.retires).isEmpty();
        assertThat(transport.calls).containsExactly("cancel", "close");
    }

    @Test
    void aPeerResetClosesTheTransportAndReportsIt() {
        machine.retire(retire("client-first"), true);
        machine.onPeerReset();
        CloseEvent e = event();
        assertThat(e.whoClosed()).isEqualTo(WhoClosed.REMOTE_RST);
        assertThat(e.usedMode()).isNull();
        assertThat(transport.closes).isEqualTo(1);
    }

    @Test
    void aPeerResetWhileLingeringFollowsTheServersFin() {
        machine.retire(retire("lingering"), true);
        machine.onPeerReset();
        assertThat(event().whoClosed()).isEqualTo(WhoClosed.LOCAL_FIN);
        assertThat(event().usedMode()).isEqualTo(CloseMode.LINGER);
    }

    @Test
    void aTransportThatClosedByItselfIsNotClosedAgain() {
        machine.retire(retire("client-first"), true);
        machine.onTransportClosed();
        CloseEvent e = event();
        assertThat(transport.closes + transport.resets).isZero();
        assertThat(e.whoClosed()).isEqualTo(WhoClosed.REMOTE_RST);
        machine.onPeerFin();
        machine.abort();
        assertThat(listener.closes).hasSize(1);
    }

    @Test
    void anApplicationAbortOfAnOpenConnectionIsAnApplicationRetirement() {
        machine.abort();
        CloseEvent e = event();
        assertThat(e.fallbackReason()).isEqualTo(FallbackReason.APPLICATION_ABORT);
        assertThat(e.retireReason()).isEqualTo(RetireReason.APPLICATION);
        assertThat(e.whoClosed()).isEqualTo(WhoClosed.LOCAL_FIN);
        assertThat(e.usedMode()).isEqualTo(CloseMode.FIN);
    }

    @Test
    void anAbortAfterThePeersFinIsThePeersClose() {
        machine.retire(retire("server-fin"), false);
        machine.onPeerFin();
        machine.abort();
        assertThat(event().whoClosed()).isEqualTo(WhoClosed.REMOTE_FIN);
        assertThat(event().fallbackReason()).isEqualTo(FallbackReason.APPLICATION_ABORT);
    }

    @Test
    void anAbortWhileLingeringKeepsTheLingerMode() {
        machine.retire(retire("lingering"), true);
        machine.abort();
        assertThat(event().usedMode()).isEqualTo(CloseMode.LINGER);
        assertThat(event().whoClosed()).isEqualTo(WhoClosed.LOCAL_FIN);
    }

    // --- timers and re-entrancy -------------------------------------------------------------------

    @Test
    void anEarlyTimerRearmsForTheDeadlineWithoutActing() {
        machine.retire(retire("client-first"), true);
        ticker.advance(Duration.ofMillis(500));
        transport.fireEarly();
        assertThat(machine.state()).isEqualTo(State.AWAIT_PEER_FIN);
        assertThat(transport.timerDue()).isEqualTo(T0 + nanos(Duration.ofSeconds(2)));
    }

    @Test
    void timersInOpenOrClosedStatesAreIgnored() {
        transport.fireEarly();
        assertThat(machine.state()).isEqualTo(State.OPEN);
        machine.retire(retire("server-fin"), true);
        transport.fireEarly();
        assertThat(listener.closes).hasSize(1);
    }

    @Test
    void hugeWaitsSaturateInsteadOfWrappingAround() {
        ManualTicker late = new ManualTicker(Long.MAX_VALUE - Duration.ofDays(1).toNanos());
        FakeTransport t = new FakeTransport(late);
        CloseStateMachine m = new CloseStateMachine(t, view, late, listener);
        t.attach(m);
        m.retire(retire("client-first, close.client-wait=36500d"), true);
        assertThat(m.deadlineNanos()).isEqualTo(Long.MAX_VALUE);
        t.advance(Duration.ofHours(23));
        assertThat(m.state()).isEqualTo(State.AWAIT_PEER_FIN);
    }

    @Test
    void aListenerThatAbortsDuringRetirementEndsTheConnectionOnce() {
        CloseStateMachine[] self = new CloseStateMachine[1];
        RecordingListener inner = new RecordingListener();
        CloseListener aborting = new CloseListener() {
            @Override
            public void onRetire(ConnectionView v, Retire decision) {
                self[0].abort();
            }

            @Override
            public void onClose(CloseEvent event) {
                inner.onClose(event);
            }
        };
        CloseStateMachine m = new CloseStateMachine(transport, view, ticker, aborting);
        self[0] = m;
        transport.attach(m);
        m.retire(retire("lingering"), true);
        assertThat(m.state()).isEqualTo(State.CLOSED);
        assertThat(inner.closes).hasSize(1);
        assertThat(transport.shutdowns).isZero();
        assertThat(transport.closes).isEqualTo(1);
    }

    @Test
    void aTransportCallingBackWhileClosingStillGivesOneEvent() {
        FakeTransport callingBack = new FakeTransport(ticker) {
            CloseStateMachine m;

            @Override
            public void attach(CloseStateMachine machine) {
                super.attach(machine);
                m = machine;
            }

            @Override
            public void close() {
                super.close();
                m.onTransportClosed();
                m.onPeerReset();
            }
        };
        CloseStateMachine m = new CloseStateMachine(callingBack, view, ticker, listener);
        callingBack.attach(m);
        m.retire(retire("server-fin"), true);
        assertThat(listener.closes).hasSize(1);
        assertThat(callingBack.closes).isEqualTo(1);
    }

    @Test
    void aThrowingListenerDoesNotBreakTheMachine() {
        CloseListener throwing = new CloseListener() {
            @Override
            public void onRetire(ConnectionView v, Retire decision) {
                throw new IllegalStateException("listener bug");
            }

            @Override
            public void onClose(CloseEvent event) {
                throw new IllegalStateException("listener bug");
            }
        };
        CloseStateMachine m = new CloseStateMachine(transport, view, ticker, throwing);
        transport.attach(m);
        m.retire(retire("server-fin"), true);
        assertThat(m.isClosed()).isTrue();
        assertThat(m.event()).isNotNull();
    }

    @Test
    void theMachineNeedsATransportAViewAndATicker() {
        assertThatThrownBy(() -> new CloseStateMachine(null, view, ticker, null)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> machine.retire(null, true)).isInstanceOf(NullPointerException.class);
        assertThat(new CloseStateMachine(transport, view, ticker, null).isRetired()).isFalse();
    }
}
