package org.closepolicy.spi;

import static org.assertj.core.api.Assertions.assertThat;

import org.closepolicy.CloseMode;
import org.closepolicy.ClosePolicies;
import org.closepolicy.ClosePolicy;
import org.closepolicy.Closer;
import org.closepolicy.Protocol;
import org.closepolicy.Retire;
import org.closepolicy.RetireReason;
import org.junit.jupiter.api.Test;

/**
 * Retirements an adapter makes on its own, through {@link AdapterRuntime}, (application close, application retire, half-closed peer)
 * keep the policy's settings, never close over unread input with a plain FIN, and close server-first
 * when the client was not told.
 */
class ForcedRetirementsFollowThePolicyTest {

    private static AdapterRuntime rt(ClosePolicy policy) {
        return AdapterRuntime.builder(policy).build();
    }

    private static final ConnectionRecord VIEW = new ConnectionRecord(Protocol.HTTP1, null, null, 0, null);

    @Test
    void announcedRetirementUsesThePolicysWhoAndHow() {
        Retire r = rt(ClosePolicies.guarded(ClosePolicies.safeReset())).retireAnnounced(VIEW, RetireReason.APPLICATION, false);
        assertThat(r.closer()).isEqualTo(Closer.CLIENT_FIRST);
        assertThat(r.mode()).isEqualTo(CloseMode.RST);
        assertThat(r.reason()).isEqualTo(RetireReason.APPLICATION);
    }

    @Test
    void unannouncedRetirementClosesServerFirstWithTheFallback() {
        Retire r = rt(ClosePolicies.clientFirst()).retireUnannounced(VIEW, RetireReason.APPLICATION, false);
        assertThat(r.closer()).isEqualTo(Closer.SERVER_FIRST);
        assertThat(r.mode()).isEqualTo(CloseMode.RST);
        assertThat(r.resetAfterAck()).isTrue();
    }

    @Test
    void unreadInputTurnsAServerFinIntoLingering() {
        Retire r = rt(ClosePolicies.serverFin()).retireAnnounced(VIEW, RetireReason.APPLICATION, true);
        assertThat(r.closer()).isEqualTo(Closer.SERVER_FIRST);
        assertThat(r.mode()).isEqualTo(CloseMode.LINGER);
        Retire eof = rt(ClosePolicies.clientFirst()).retireAtEndOfStream(VIEW, true);
        assertThat(eof.mode()).isEqualTo(CloseMode.LINGER);
        assertThat(eof.reason()).isEqualTo(RetireReason.EOF_DELIMITED);
        assertThat(rt(ClosePolicies.clientFirst()).retireAtEndOfStream(VIEW, false).mode()).isEqualTo(CloseMode.FIN);
    }

    @Test
    void customPoliciesGetTheSafeDefaultsLingeringSettings() {
        ClosePolicy custom = (view, now) -> ClosePolicies.keepAlive().decide(view, now);
        Retire r = rt(custom).retireAnnounced(VIEW, RetireReason.APPLICATION, false);
        assertThat(r.closer()).isEqualTo(Closer.SERVER_FIRST);
        assertThat(r.mode()).isEqualTo(CloseMode.LINGER);
        assertThat(r.lingerTime()).isEqualTo(ClosePolicies.lingering().defaults().lingerTime());
    }
}
