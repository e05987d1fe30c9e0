package org.closepolicy;

import static org.assertj.core.api.Assertions.assertThat;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Arbitrary;
import org.closepolicy.support.PolicyArbitraries;
import org.closepolicy.support.TestView;
import org.junit.jupiter.api.Test;

/**
 * The retirements adapters make on their own ({@link CloseSettings#retireAnnounced},
 * {@link CloseSettings#retireUnannounced}, {@link ClosePolicies#settingsFor}) follow the same rules as
 * the policy's own decisions, for any settings.
 */
class AdapterRetirementProperties {

    @Provide
    Arbitrary<CloseSettings> anySettings() {
        return PolicyArbitraries.settings();
    }

    @Property(tries = 300)
    void announcedKeepsTheSettingsWhoAndHowUnlessRulesTwoOrThreeApply(@ForAll("anySettings") CloseSettings s,
            @ForAll RetireReason reason, @ForAll boolean eof, @ForAll boolean unread) {
        Retire r = s.retireAnnounced(reason, eof, unread);
        assertThat(r.settings()).isSameAs(s);
        if (eof || reason == RetireReason.EOF_DELIMITED) {
            assertThat(r.reason()).isEqualTo(RetireReason.EOF_DELIMITED);
            assertThat(r.closer()).as("rule 2: a client reading to EOF gets a prompt server close").isEqualTo(Closer.SERVER_FIRST);
            assertThat(r.mode()).isNotEqualTo(CloseMode.RST);
        } else if (reason == RetireReason.IDLE_TIMEOUT) {
            assertThat(r.closer()).isEqualTo(Closer.SERVER_FIRST);
        } else {
            assertThat(r.reason()).isEqualTo(reason);
            assertThat(r.closer()).isEqualTo(s.closer());
        }
        assertLingersOverUnreadInput(r, unread);
        if (!unread && !eof && reason != RetireReason.EOF_DELIMITED) {
            assertThat(r).isSameAs(s.retire(reason));
        }
    }

    @Property(tries = 300)
    void unannouncedClosesServerFirstWithTheModeUsedWhenTheServerCannotWait(@ForAll("anySettings") CloseSettings s,
            @ForAll RetireReason reason, @ForAll boolean unread) {
        Retire r = s.retireUnannounced(reason, unread);
        assertThat(r.closer()).isEqualTo(Closer.SERVER_FIRST);
        assertThat(r.settings()).isSameAs(s);
        if (reason != RetireReason.EOF_DELIMITED) {
            assertThat(r.reason()).isEqualTo(reason);
            CloseMode expected = s.closer() == Closer.CLIENT_FIRST ? s.fallback() : s.mode();
            assertThat(r.mode()).isIn(expected, CloseMode.LINGER);
        }
        assertLingersOverUnreadInput(r, unread);
        assertThat(s.retireUnannounced(RetireReason.IDLE_TIMEOUT, false)).isSameAs(s.retire(RetireReason.IDLE_TIMEOUT));
    }

    /** Rule 3: a plain server FIN never goes out over unread input (the kernel would turn it into an RST). */
    private static void assertLingersOverUnreadInput(Retire r, boolean unread) {
        if (unread && r.closer() == Closer.SERVER_FIRST) {
            assertThat(r.mode()).isNotEqualTo(CloseMode.FIN);
        }
    }

    @Test
    void settingsForFindsTheMatchingRuleAlsoThroughTheGuardAndFallsBackToLingering() {
        StandardClosePolicy p = ClosePolicy.parse("client-first, rule.lan.when.cidr=10.0.0.0/8, rule.lan.preset=safe-reset");
        TestView lan = TestView.http11().remote("10.1.2.3");
        TestView other = TestView.http11().remote("192.0.2.7");
        assertThat(ClosePolicies.settingsFor(ClosePolicies.guarded(p), lan)).isEqualTo(CloseSettings.of(Preset.SAFE_RESET));
        assertThat(ClosePolicies.settingsFor(p, other)).isEqualTo(p.defaults());
        ClosePolicy custom = (view, now) -> ClosePolicies.safeDefault();
        assertThat(ClosePolicies.settingsFor(custom, other)).isEqualTo(CloseSettings.of(Preset.LINGERING));
    }

    @Test
    void clientFirstSettingsCloseAnIdleConnectionWithAnAckCheckedReset() {
        CloseSettings s = CloseSettings.of(Preset.SAFE_RESET);
        Retire r = s.retireUnannounced(RetireReason.APPLICATION, false);
        assertThat(r.closer()).isEqualTo(Closer.SERVER_FIRST);
        assertThat(r.mode()).isEqualTo(CloseMode.RST);
        assertThat(s.retireAnnounced(RetireReason.APPLICATION, false, false).closer()).isEqualTo(Closer.CLIENT_FIRST);
        assertThat(CloseSettings.of(Preset.SERVER_FIN).retireAnnounced(RetireReason.APPLICATION, false, true).mode())
                .isEqualTo(CloseMode.LINGER);
    }
}
