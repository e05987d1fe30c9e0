package org.closepolicy.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.closepolicy.ClosePolicies;
import org.closepolicy.ClosePolicy;
import org.closepolicy.CloseMode;
import org.closepolicy.Closer;
import org.closepolicy.Decision;
import org.closepolicy.Retire;
import org.closepolicy.RetireReason;
import org.closepolicy.support.TestView;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** A failing policy never breaks a connection: the safe default applies and the failure is logged once. */
class GuardedPolicyTest {

    private final ByteArrayOutputStream log = new ByteArrayOutputStream();
    private PrintStream savedErr;

    @BeforeEach
    void captureLog() {
        savedErr = System.err;
        System.setErr(new PrintStream(log, true, StandardCharsets.UTF_8));
    }

    @AfterEach
    void restoreLog() {
        System.setErr(savedErr);
    }

    private long loggedFailures() {
        return log.toString(StandardCharsets.UTF_8).lines().filter(l -> l.contains("applying the safe default")).count();
    }

    @Test
    void aThrowingPolicyGetsTheSafeDefaultAndIsLoggedOnce() {
        ClosePolicy broken = (view, now) -> {
            throw new IllegalStateException("boom");
        };
        GuardedPolicy guarded = (GuardedPolicy) ClosePolicies.guarded(broken);
        for (int i = 0; i < 3; i++) {
            Decision d = guarded.decide(TestView.http11(), i);
            assertThat(d).isSameAs(ClosePolicies.safeDefault());
        }
        assertThat(guarded.failures()).isEqualTo(3);
        assertThat(loggedFailures()).isEqualTo(1);
        assertThat(log.toString(StandardCharsets.UTF_8)).contains("boom");
    }

    @Test
    void aNullDecisionGetsTheSafeDefaultAndIsLoggedOnce() {
        GuardedPolicy guarded = (GuardedPolicy) ClosePolicies.guarded((view, now) -> null);
        assertThat(guarded.decide(TestView.http11(), 0)).isSameAs(ClosePolicies.safeDefault());
        assertThat(guarded.decide(TestView.http11(), 0)).isSameAs(ClosePolicies.safeDefault());
        assertThat(guarded.failures()).isEqualTo(2);
        assertThat(loggedFailures()).isEqualTo(1);
        assertThat(log.toString(StandardCharsets.UTF_8)).contains("returned null");
    }

    @Test
    void linkageErrorsAreCaughtToo() {
        GuardedPolicy guarded = (GuardedPolicy) ClosePolicies.guarded((view, now) -> {
            throw new NoClassDefFoundError("missing");
        });
        assertThat(guarded.decide(TestView.http11(), 0)).isSameAs(ClosePolicies.safeDefault());
        assertThat(guarded.failures()).isEqualTo(1);
    }

    @Test
    void eachGuardedPolicyLogsItsOwnFirstFailure() {
        ClosePolicy a = ClosePolicies.guarded((view, now) -> null);
        ClosePolicy b = ClosePolicies.guarded((view, now) -> null);
        a.decide(TestView.http11(), 0);
        a.decide(TestView.http11(), 0);
        b.decide(TestView.http11(), 0);
        assertThat(loggedFailures()).isEqualTo(2);
    }

    @Test
    void theSafeDefaultIsServerFirstLingeringBecauseOfAPolicyError() {
        Retire safe = ClosePolicies.safeDefault();
        assertThat(safe.closer()).isEqualTo(Closer.SERVER_FIRST);
        assertThat(safe.mode()).isEqualTo(CloseMode.LINGER);
        assertThat(safe.reason()).isEqualTo(RetireReason.POLICY_ERROR);
    }

    @Test
    void aWorkingPolicyPassesThroughUnchangedAndSilently() {
        ClosePolicy guarded = ClosePolicies.guarded(ClosePolicies.keepAlive());
        TestView v = TestView.http11().requestsServed(1);
        assertThat(guarded.decide(v, 0)).isSameAs(ClosePolicies.keepAlive().decide(v, 0));
        assertThat(((GuardedPolicy) guarded).failures()).isZero();
        assertThat(((GuardedPolicy) guarded).delegate()).isSameAs(ClosePolicies.keepAlive());
        assertThat(guarded.toString()).contains("guarded(");
        assertThat(log.size()).isZero();
    }

    @Test
    void wrappingTwiceIsANoOp() {
        ClosePolicy once = ClosePolicies.guarded(ClosePolicies.safeReset());
        assertThat(ClosePolicies.guarded(once)).isSameAs(once);
    }
}
