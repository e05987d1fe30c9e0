package org.closepolicy.spi;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.statistics.Statistics;
import org.closepolicy.ClosePolicy;
import org.closepolicy.CloseEvent;
import org.closepolicy.CloseMode;
import org.closepolicy.CloseSettings;
import org.closepolicy.Closer;
import org.closepolicy.Decision;
import org.closepolicy.FallbackReason;
import org.closepolicy.Retire;
import org.closepolicy.RetireReason;
import org.closepolicy.WhoClosed;
import org.closepolicy.spi.CloseStateMachine.State;
import org.closepolicy.support.FakeTransport;
import org.closepolicy.support.ManualTicker;
import org.closepolicy.support.PolicyArbitraries;
import org.closepolicy.support.RecordingListener;
import org.closepolicy.support.TestView;

/**
 * The close state machine under random orderings of everything a connection can go through:
 * flushes, the peer's FIN or RST, input, ack results (answers to the machine's checks, early or late, and
 * stray ones nobody asked for), timers firing on time, early or at the deadline, aborts and transports
 * closing by themselves, for every preset and random settings.
 */
class CloseStateMachineProperties {

    /** One thing that happens to the connection. */
    sealed interface Step permits RetireNow, Flush, PeerFin, PeerReset, Input, Acked, AckFailed, Answer, Advance, ToDeadline,
            EarlyTimer, Abort, TransportClosed, Hint {
    }

    record RetireNow(boolean flushed) implements Step {
    }

    record Flush() implements Step {
    }

    record PeerFin() implements Step {
    }

    record PeerReset() implements Step {
    }

    record Input(long bytes) implements Step {
    }

    record Acked() implements Step {
    }

    record AckFailed(FallbackReason reason) implements Step {
    }

    /**
     * The adapter answers the machine's pending ack check after {@code delayNanos} (timers fire meanwhile):
     * acknowledged when {@code reason} is null, else failed for that reason. Nothing when no check is pending.
     */
    record Answer(long delayNanos, FallbackReason reason) implements Step {
    }

    record Advance(long nanos) implements Step {
    }

    record ToDeadline(long offsetNanos) implements Step {
    }

    record EarlyTimer() implements Step {
    }

    record Abort() implements Step {
    }

    record TransportClosed() implements Step {
    }

    record Hint(long unacked) implements Step {
    }

    /** How the connection comes to be retired. */
    enum Situation { REQUEST_DONE, CLIENT_CLOSE, EOF_DELIMITED, EOF_WITH_UNREAD_INPUT, UNREAD_INPUT, IDLE, APPLICATION }

    record Scenario(CloseSettings settings, Situation situation, long startNanos, List<Step> steps, boolean flushedAtLastRetire) {
    }

    @Provide
    Arbitrary<Scenario> scenarios() {
        Arbitrary<Long> start = Arbitraries.oneOf(Arbitraries.just(0L), Arbitraries.longs().between(-(1L << 62), 1L << 62));
        return Combinators.combine(PolicyArbitraries.settings(Duration.ofSeconds(5)), Arbitraries.of(Situation.class), start,
                steps(1, 1).list().ofMaxSize(25), Arbitraries.of(true, false)).as(Scenario::new);
    }

    /**
     * Client-first retirements whose client wait runs out with the flush bound mostly still ahead: the ack
     * check of the client wait, answered early, late or never, the client's FIN during it, the second wait.
     */
    @Provide
    Arbitrary<Scenario> clientWaitScenarios() {
        Arbitrary<CloseSettings> settings = Combinators.combine(PolicyArbitraries.settings(Duration.ofSeconds(5)),
                Arbitraries.of(Duration.ofSeconds(60), Duration.ofSeconds(8), Duration.ofMillis(1_500)).injectNull(0.2))
                .as((base, flush) -> {
                    CloseSettings.Builder b = base.toBuilder().closer(Closer.CLIENT_FIRST);
                    if (flush != null) {
                        b.flushTimeout(flush);
                    }
                    return (base.mode() == CloseMode.LINGER ? b.mode(CloseMode.FIN) : b).build();
                });
        Arbitrary<List<Step>> prefix = Combinators.combine(Arbitraries.of(true, false), Arbitraries.of(-1L, 0L, 1L, 65_536L))
                .as((flushed, hint) -> List.of(new RetireNow(flushed), new Flush(), new Hint(hint), new ToDeadline(0)));
        Arbitrary<List<Step>> steps = Combinators.combine(prefix, steps(4, 3).list().ofMaxSize(12)).as((a, b) -> {
            List<Step> all = new ArrayList<>(a);
            all.addAll(b);
            return all;
        });
        return Combinators.combine(settings, Arbitraries.of(Situation.REQUEST_DONE, Situation.CLIENT_CLOSE), Arbitraries.just(0L),
                steps, Arbitraries.of(true, false)).as(Scenario::new);
    }

    /** Any step; the weights scale how often the adapter answers a pending ack check and the peer's FIN comes. */
    private static Arbitrary<Step> steps(int answerWeight, int finWeight) {
        return Arbitraries.frequencyOf(
                Tuple.of(6, Arbitraries.of(true, false).map(RetireNow::new)),
                Tuple.of(9, Arbitraries.just(new Flush())),
                Tuple.of(5 * finWeight, Arbitraries.just(new PeerFin())),
                Tuple.of(1, Arbitraries.just(new PeerReset())),
                Tuple.of(8, Arbitraries.oneOf(Arbitraries.longs().between(-1, 2_000), Arbitraries.longs().between(1, 1L << 41)).map(Input::new)),
                Tuple.of(6, Arbitraries.just(new Acked())),
                Tuple.of(3, Arbitraries.of(FallbackReason.ACK_WAIT_EXPIRED, FallbackReason.ACK_CHECK_UNSUPPORTED).injectNull(0.3).map(AckFailed::new)),
                Tuple.of(10 * answerWeight, Combinators.combine(
                        Arbitraries.oneOf(Arbitraries.just(0L), Arbitraries.longs().between(0, 20_000_000L), Arbitraries.longs().between(0, 6_000_000_000L)),
                        Arbitraries.of(FallbackReason.ACK_WAIT_EXPIRED, FallbackReason.ACK_CHECK_UNSUPPORTED).injectNull(0.5)).as(Answer::new)),
                Tuple.of(15, Arbitraries.oneOf(Arbitraries.longs().between(0, 10_000_000L), Arbitraries.longs().between(0, 3_000_000_000L)).map(Advance::new)),
                Tuple.of(9, Arbitraries.of(-1L, 0L, 1L).map(ToDeadline::new)),
                Tuple.of(3, Arbitraries.just(new EarlyTimer())),
                Tuple.of(1, Arbitraries.just(new Abort())),
                Tuple.of(1, Arbitraries.just(new TransportClosed())),
                Tuple.of(5, Arbitraries.of(-1L, 0L, 1L, 65_536L).map(Hint::new)));
    }

    /** Drives one machine through a scenario and checks every invariant on the way. */
    private static final class Run {
        final Scenario s;
        final ManualTicker ticker;
        final FakeTransport transport;
        final RecordingListener listener = new RecordingListener();
        final TestView view;
        final CloseStateMachine machine;
        final Retire decision;
        final List<String> violations = new ArrayList<>();

        Step current;
        State stateBefore;
        boolean retired;
        long retiredAt;
        boolean flushed;
        boolean peerFinBeforeFlush;
        boolean peerFinDelivered;
        boolean peerActed;
        boolean serverActed;
        boolean serverActedFirst;
        Step closingStep;
        /** Ack checks the transport was asked for, and how many of them have been answered. */
        int answered;
        /** A check was answered "every byte acknowledged" (true from then on: nothing is written after the flush). */
        boolean ackProven;
        /** The furthest the client wait went, and whether the peer's FIN came during an ack check. */
        ClientWait furthest;
        boolean peerFinDuringCheck;
        /** When the client wait started: at the flush, or again at a late acknowledgement. */
        Long clientWaitFrom;

        Run(Scenario s) {
            this.s = s;
            this.ticker = new ManualTicker(s.startNanos());
            this.transport = new FakeTransport(ticker);
            this.view = TestView.http11().requestsServed(1).timing(s.startNanos(), Duration.ofSeconds(1), Duration.ZERO);
            this.decision = decisionFor(s, view);
            this.machine = new CloseStateMachine(transport, view, ticker, listener);
            transport.attach(machine);
            transport.observe(this::onTransportCall);
        }

        private static Retire decisionFor(Scenario s, TestView v) {
            ClosePolicy p = ClosePolicy.builder().defaults(b -> s.settings().toBuilder()).build();
            long now = s.startNanos();
            switch (s.situation()) {
                case CLIENT_CLOSE: v.clientRequestedClose(true); break;
                case EOF_DELIMITED: v.eofDelimited(true); break;
                case EOF_WITH_UNREAD_INPUT: v.eofDelimited(true).unreadInput(true); break;
                case UNREAD_INPUT: v.unreadInput(true); break;
                case IDLE: v.requestsServed(0).lastActivity(now - s.settings().idleTimeout().toNanos()); break;
                case APPLICATION: return s.settings().retire(RetireReason.APPLICATION);
                case REQUEST_DONE:
                default: v.requestsServed(Long.MAX_VALUE - 1); break;
            }
            Decision d = p.decide(v, now);
            v.eofDelimited(false).unreadInput(false);
            return d instanceof Retire r ? r : s.settings().retire(RetireReason.APPLICATION);
        }

        private void onTransportCall(String call) {
            boolean first = !serverActed;
            serverActed = true;
            if (first && !peerActed) {
                serverActedFirst = true;
            }
            if (call.equals("reset")) {
                if (!flushed) {
                    violations.add("reset before the response was flushed, during " + current);
                }
                if (peerFinBeforeFlush) {
                    violations.add("reset although the peer's FIN came before the flush, during " + current);
                }
                if (decision.resetAfterAck()) {
                    boolean replyToFin = current instanceof PeerFin && flushed && transport.unacked == 0;
                    if (!ackProven && !replyToFin) {
                        violations.add("reset while bytes may be unacknowledged, during " + current + " in " + stateBefore);
                    }
                }
            }
        }

        void run() {
            for (Step step : s.steps()) {
                apply(step);
                check();
            }
            if (machine.state() == State.OPEN) {
                apply(new RetireNow(s.flushedAtLastRetire()));
                check();
            }
            // Let time run: every armed timer fires when due, nothing else happens.
            for (int i = 0; i < 1_000 && !machine.isClosed(); i++) {
                if (!transport.timerArmed()) {
                    violations.add("waiting in " + machine.state() + " without a timer");
                    break;
                }
                current = new Advance(transport.timerDue() - ticker.nanos());
                stateBefore = machine.state();
                transport.advanceTo(Math.max(ticker.nanos(), transport.timerDue()));
                noteClosed(current);
                check();
            }
        }

        private void apply(Step step) {
            current = step;
            stateBefore = machine.state();
            if (step instanceof RetireNow r) {
                if (machine.state() == State.OPEN) {
                    retired = true;
                    retiredAt = ticker.nanos();
                    flushed = r.flushed();
                    clientWaitFrom = flushed ? retiredAt : null;
                }
                machine.retire(decision, r.flushed());
            } else if (step instanceof Flush) {
                if (machine.state() == State.DRAINING_RESPONSE) {
                    flushed = true;
                    clientWaitFrom = ticker.nanos();
                }
                machine.onResponseFlushed();
            } else if (step instanceof PeerFin) {
                if (machine.state() == State.AWAIT_PEER_FIN
                        && (machine.clientWait() == ClientWait.ONE_LOOK || machine.clientWait() == ClientWait.WAITING_FOR_ACK)) {
                    peerFinDuringCheck = true;
                }
                if (!machine.isClosed() && !peerFinDelivered) {
                    peerFinDelivered = true;
                    peerActed = true;
                    if (!flushed) {
                        peerFinBeforeFlush = true;
                    }
                }
                machine.onPeerFin();
            } else if (step instanceof PeerReset) {
                if (!machine.isClosed()) {
                    peerActed = true;
                }
                machine.onPeerReset();
            } else if (step instanceof Input in) {
                machine.onInput(in.bytes());
            } else if (step instanceof Acked) {
                deliver(true, null);
            } else if (step instanceof AckFailed f) {
                deliver(false, f.reason());
            } else if (step instanceof Answer a) {
                if (checkPending()) {
                    transport.advanceTo(ticker.nanos() + a.delayNanos());
                    noteClosed(step);
                    if (checkPending()) {
                        stateBefore = machine.state();
                        deliver(a.reason() == null, a.reason());
                    }
                }
            } else if (step instanceof Advance a) {
                transport.advanceTo(ticker.nanos() + a.nanos());
            } else if (step instanceof ToDeadline d) {
                long deadline = machine.deadlineNanos();
                if (deadline != Long.MAX_VALUE && deadline + d.offsetNanos() - ticker.nanos() > 0) {
                    transport.advanceTo(deadline + d.offsetNanos());
                }
            } else if (step instanceof EarlyTimer) {
                transport.fireEarly();
            } else if (step instanceof Abort) {
                machine.abort();
            } else if (step instanceof TransportClosed) {
                if (!machine.isClosed()) {
                    peerActed = true;
                }
                machine.onTransportClosed();
            } else if (step instanceof Hint h) {
                transport.unacked = h.unacked();
            }
            noteClosed(step);
        }

        private boolean checkPending() {
            return transport.ackWatches > answered;
        }

        /** Delivers an ack result. A result nobody asked for (no check pending) must leave the machine as it was. */
        private void deliver(boolean acked, FallbackReason failure) {
            boolean asked = checkPending();
            State st = machine.state();
            long deadline = machine.deadlineNanos();
            long acts = transport.closes + transport.resets + transport.shutdowns + transport.ackWatches;
            if (asked) {
                answered = transport.ackWatches;
                ackProven |= acked;
            }
            ClientWait before = machine.clientWait();
            if (acked) {
                machine.onAcked();
            } else {
                machine.onAckFailed(failure);
            }
            if (before != ClientWait.RESTARTED && machine.clientWait() == ClientWait.RESTARTED) {
                if (before != ClientWait.WAITING_FOR_ACK) {
                    violations.add("a second client wait without waiting for the acknowledgement, from " + before);
                }
                clientWaitFrom = ticker.nanos();
            }
            if (!asked && (machine.state() != st || machine.deadlineNanos() != deadline
                    || transport.closes + transport.resets + transport.shutdowns + transport.ackWatches != acts)) {
                violations.add("acted on an ack result nobody asked for, during " + current + " in " + st);
            }
        }

        private void noteClosed(Step step) {
            if (machine.isClosed() && closingStep == null) {
                closingStep = step;
            }
        }

        private void check() {
            State st = machine.state();
            if (st == State.AWAIT_PEER_FIN && (furthest == null || machine.clientWait().compareTo(furthest) > 0)) {
                furthest = machine.clientWait();
            }
            if (st != State.OPEN && st != State.CLOSED) {
                if (machine.deadlineNanos() == Long.MAX_VALUE) {
                    violations.add("no deadline in " + st);
                } else if (!transport.timerArmed() || transport.timerDue() != machine.deadlineNanos()) {
                    violations.add("timer not armed at the deadline in " + st);
                }
            }
            if (retired && ticker.nanos() - retiredAt >= Durations.nanos(decision.maxCloseTime()) && !machine.isClosed()) {
                violations.add("still " + st + " at maxCloseTime " + decision.maxCloseTime());
            }
            if (transport.closes + transport.resets > 1) {
                violations.add("closed " + transport.closes + " times and reset " + transport.resets + " times");
            }
            if (listener.closes.size() > 1) {
                violations.add(listener.closes.size() + " close events");
            }
            if (machine.isClosed() != (listener.closes.size() == 1)) {
                violations.add("closed=" + machine.isClosed() + " but " + listener.closes.size() + " close events");
            }
        }

        void checkEnd() {
            assertThat(violations).as("violations").isEmpty();
            assertThat(machine.isClosed()).isTrue();
            assertThat(listener.closes).hasSize(1);
            CloseEvent e = listener.closes.get(0);
            assertThat(machine.event()).isSameAs(e);
            boolean selfClosed = closingStep instanceof TransportClosed;
            assertThat(transport.closes + transport.resets).as("close or reset calls").isEqualTo(selfClosed ? 0 : 1);
            assertThat(e.usedMode() == CloseMode.RST).as("used RST").isEqualTo(transport.resets == 1);
            assertThat(transport.shutdowns).isLessThanOrEqualTo(1);
            if (transport.shutdowns == 1) {
                assertThat(decision.closer() == Closer.SERVER_FIRST && decision.mode() == CloseMode.LINGER
                        || decision.fallback() == CloseMode.LINGER
                        || decision.mode() == CloseMode.RST || decision.fallback() == CloseMode.RST)
                        .as("shut down output only to linger (planned, or instead of a reset the peer sent into)").isTrue();
            }
            if (retired && machine.decision() != null) {
                assertThat(machine.decision()).isSameAs(decision);
                assertThat(e.plannedCloser()).isEqualTo(decision.closer());
                assertThat(e.plannedMode()).isEqualTo(decision.mode());
                assertThat(e.retireReason()).isEqualTo(decision.reason());
                assertThat(e.closeDuration()).isLessThanOrEqualTo(decision.maxCloseTime());
            } else {
                assertThat(e.plannedMode()).isNull();
                assertThat(e.closeDuration()).isZero();
            }
            assertThat(e.fallbackReason()).isNotNull();
            assertThat(e.connectionId()).isEqualTo(view.id());
            assertThat(e.lifetime().isNegative()).isFalse();
            if (retired && machine.decision() != null) {
                assertThat(e.lifetime().minus(e.closeDuration())).isEqualTo(Duration.ofNanos(retiredAt - view.openedAtNanos()));
            }
            // Who closed first on the wire.
            WhoClosed who = e.whoClosed();
            if (who == WhoClosed.LOCAL_FIN || who == WhoClosed.LOCAL_RST || who == WhoClosed.TIMEOUT) {
                assertThat(serverActedFirst).as(who + ": the server acted before the peer").isTrue();
            }
            if (who == WhoClosed.REMOTE_FIN) {
                assertThat(peerFinDelivered && !serverActedFirst).as("REMOTE_FIN: the peer's FIN came first").isTrue();
            }
            if (who == WhoClosed.REMOTE_RST) {
                assertThat(closingStep).isInstanceOfAny(PeerReset.class, TransportClosed.class);
                assertThat(serverActedFirst).isFalse();
            }
            if (who == WhoClosed.TIMEOUT) {
                assertThat(decision.reason()).isEqualTo(RetireReason.IDLE_TIMEOUT);
            }
            if (retired && decision.reason() == RetireReason.IDLE_TIMEOUT && serverActedFirst) {
                assertThat(who).as("an idle connection the server closed").isEqualTo(WhoClosed.TIMEOUT);
            }
            // The client-wait fallback never cuts a client wait short, the second one (from a late ack) included.
            if (e.fallbackReason() == FallbackReason.CLIENT_WAIT_EXPIRED) {
                assertThat(clientWaitFrom).as("a client wait started").isNotNull();
                assertThat(e.closeDuration().toNanos()).as("fallback not before the client wait ran out")
                        .isGreaterThanOrEqualTo(clientWaitFrom - retiredAt + Durations.nanos(decision.clientWait()));
            }
            // The close used differs from the plan only with a reason.
            if (e.plannedMode() != null && e.usedMode() != null && e.fallbackReason() == FallbackReason.NONE
                    && e.usedMode() != e.plannedMode()) {
                assertThat(e.plannedMode() == CloseMode.LINGER && e.usedMode() == CloseMode.FIN && peerFinBeforeFlush)
                        .as("planned " + e.plannedMode() + ", used " + e.usedMode() + " without a fallback reason").isTrue();
            }
        }
    }

    @Property(tries = 1500)
    void everyConnectionEndsClosedOnceWithinItsBoundAndNeverResetsUnsafely(@ForAll("scenarios") Scenario s) {
        Run run = new Run(s);
        run.run();
        run.checkEnd();
    }

    @Property(tries = 1000)
    void theClientWaitsAckCheckKeepsEveryInvariant(@ForAll("clientWaitScenarios") Scenario s) {
        Run run = new Run(s);
        run.run();
        run.checkEnd();
        // The paths of the ack check are explored, not only the first wait.
        CloseEvent e = run.listener.closes.get(0);
        String end = run.peerFinDuringCheck ? "peer FIN during the check"
                : e.fallbackReason() == FallbackReason.CLIENT_WAIT_EXPIRED ? "fallback"
                : e.whoClosed() == WhoClosed.REMOTE_FIN && e.fallbackReason() == FallbackReason.NONE ? "client closed" : "other";
        Statistics.label("client wait").collect(run.furthest == null ? "none" : run.furthest.name(), end);
        Statistics.label("client wait").coverage(c -> {
            c.check("ONE_LOOK", "fallback").count(n -> n >= 5);
            c.check("WAITING_FOR_ACK", "fallback").count(n -> n >= 5);
            c.check("WAITING_FOR_ACK", "peer FIN during the check").count(n -> n >= 5);
            c.check("ONE_LOOK", "peer FIN during the check").count(n -> n >= 5);
            c.check("RESTARTED", "fallback").count(n -> n >= 5);
            c.check("RESTARTED", "client closed").count(n -> n >= 5);
        });
    }
}
