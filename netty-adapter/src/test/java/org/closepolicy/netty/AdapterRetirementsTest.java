package org.closepolicy.netty;

import static org.assertj.core.api.Assertions.assertThat;

import org.closepolicy.CloseMode;
import org.closepolicy.ClosePolicies;
import org.closepolicy.ClosePolicy;
import org.closepolicy.Closer;
import org.closepolicy.Protocol;
import org.closepolicy.Retire;
import org.closepolicy.RetireReason;
import org.closepolicy.spi.ConnectionRecord;
import org.junit.jupiter.api.Test;

/**
 * Retirements the adapter makes on its own (application close, application retire, half-closed peer)
 * keep the policy's settings, never close over unread input with a plain FIN, and close server-first
 * when the client was not told.
 */
class AdapterRetirementsTest {

    private static final ConnectionRecord VIEW = new ConnectionRecord(Protocol.HTTP1, null, null, 0, null);

    @Test
    void announcedRetirementUsesThePolicysWhoAndHow() {
        Retire r = Retirements.announced(ClosePolicies.guarded(ClosePolicies.safeReset()), VIEW, RetireReason.APPLICATION, false);
        assertThat(r.closer()).isEqualTo(Closer.CLIENT_FIRST);
        assertThat(r.mode()).isEqualTo(CloseMode.RST);
        assertThat(r.reason()).isEqualTo(RetireReason.APPLICATION);
    }

    @Test
    void unannouncedRetirementClosesServerFirstWithTheFallback() {
        Retire r = Retirements.unannounced(ClosePolicies.clientFirst(), VIEW, RetireReason.APPLICATION, false);
        assertThat(r.closer()).isEqualTo(Closer.SERVER_FIRST);
        assertThat(r.mode()).isEqualTo(CloseMode.RST);
        assertThat(r.resetAfterAck()).isTrue();
    }

    @Test
    void unreadInputTurnsAServerFinIntoLingering() {
        Retire r = Retirements.announced(ClosePolicies.serverFin(), VIEW, RetireReason.APPLICATION, true);
        assertThat(r.closer()).isEqualTo(Closer.SERVER_FIRST);
        assertThat(r.mode()).isEqualTo(CloseMode.LINGER);
        Retire eof = Retirements.endOfStream(ClosePolicies.clientFirst(), VIEW, true);
        assertThat(eof.mode()).isEqualTo(CloseMode.LINGER);
        assertThat(eof.reason()).isEqualTo(RetireReason.EOF_DELIMITED);
        assertThat(Retirements.endOfStream(ClosePolicies.clientFirst(), VIEW, false).mode()).isEqualTo(CloseMode.FIN);
    }

    @Test
    void customPoliciesGetTheSafeDefaultsLingeringSettings() {
        ClosePolicy custom = (view, now) -> ClosePolicies.keepAlive().decide(view, now);
        Retire r = Retirements.announced(custom, VIEW, RetireReason.APPLICATION, false);
        assertThat(r.closer()).isEqualTo(Closer.SERVER_FIRST);
        assertThat(r.mode()).isEqualTo(CloseMode.LINGER);
        assertThat(r.lingerTime()).isEqualTo(ClosePolicies.lingering().defaults().lingerTime());
    }
}
