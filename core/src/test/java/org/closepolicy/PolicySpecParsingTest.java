package org.closepolicy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.closepolicy.support.TestView;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;

/** What spec text means: presets, separators, units, rules. */
class PolicySpecParsingTest {

    @ParameterizedTest
    @EnumSource(Preset.class)
    void everyPresetNameParsesToThePresetPolicy(Preset preset) {
        assertThat(ClosePolicy.parse(preset.specName())).isEqualTo(ClosePolicies.of(preset));
        assertThat(ClosePolicy.parse("preset=" + preset.specName())).isEqualTo(ClosePolicies.of(preset));
        assertThat(ClosePolicy.parse("  " + preset.specName().toUpperCase(java.util.Locale.ROOT) + " ; ")).isEqualTo(ClosePolicies.of(preset));
        assertThat(Preset.fromSpecName(preset.specName())).isSameAs(preset);
    }

    @ParameterizedTest
    @EnumSource(Preset.class)
    void everyPresetRoundTripsThroughItsSpec(Preset preset) {
        StandardClosePolicy p = ClosePolicies.of(preset);
        assertThat(ClosePolicy.parse(p.toSpec())).isEqualTo(p);
        assertThat(p.toSpec()).startsWith("close.first=");
        assertThat(p.toString()).contains(p.toSpec());
    }

    @Test
    void presetsHaveTheDocumentedSettings() {
        assertThat(ClosePolicies.serverFin().defaults()).satisfies(s -> {
            assertThat(s.closer()).isEqualTo(Closer.SERVER_FIRST);
            assertThat(s.mode()).isEqualTo(CloseMode.FIN);
            assertThat(s.maxRequests()).isEqualTo(1);
        });
        assertThat(ClosePolicies.lingering().defaults()).satisfies(s -> {
            assertThat(s.closer()).isEqualTo(Closer.SERVER_FIRST);
            assertThat(s.mode()).isEqualTo(CloseMode.LINGER);
            assertThat(s.lingerTime()).isEqualTo(Duration.ofSeconds(30));
            assertThat(s.lingerTimeout()).isEqualTo(Duration.ofSeconds(5));
        });
        assertThat(ClosePolicies.clientFirst().defaults()).satisfies(s -> {
            assertThat(s.closer()).isEqualTo(Closer.CLIENT_FIRST);
            assertThat(s.mode()).isEqualTo(CloseMode.FIN);
            assertThat(s.fallback()).isEqualTo(CloseMode.RST);
            assertThat(s.clientWait()).isEqualTo(Duration.ofSeconds(2));
            assertThat(s.resetAfterAck()).isTrue();
        });
        assertThat(ClosePolicies.safeReset().defaults()).satisfies(s -> {
            assertThat(s.closer()).isEqualTo(Closer.CLIENT_FIRST);
            assertThat(s.mode()).isEqualTo(CloseMode.RST);
            assertThat(s.fallback()).isEqualTo(CloseMode.RST);
        });
        assertThat(ClosePolicies.keepAlive().defaults()).satisfies(s -> {
            assertThat(s.maxRequests()).isEqualTo(1000);
            assertThat(s.idleTimeout()).isEqualTo(Duration.ofSeconds(75));
            assertThat(s.maxAge()).isEqualTo(Duration.ofHours(1));
            assertThat(s.jitter()).isEqualTo(0.10);
            assertThat(s.closer()).isEqualTo(Closer.CLIENT_FIRST);
        });
        assertThat(ClosePolicy.builder().build()).isEqualTo(ClosePolicies.keepAlive());
        assertThat(CloseSettings.builder().build()).isEqualTo(Preset.KEEP_ALIVE.settings());
    }

    @Test
    void theExampleOfTheDesignParses() {
        StandardClosePolicy p = ClosePolicy.parse("close.first=client, close.client-wait=2s, close.mode=rst, close.ack-wait=1s, "
                + "reuse.max-requests=1000, reuse.idle-timeout=75s, reuse.max-age=1h, reuse.jitter=10%");
        CloseSettings s = p.defaults();
        assertThat(s.closer()).isEqualTo(Closer.CLIENT_FIRST);
        assertThat(s.mode()).isEqualTo(CloseMode.RST);
        assertThat(s.clientWait()).isEqualTo(Duration.ofSeconds(2));
        assertThat(s.ackWait()).isEqualTo(Duration.ofSeconds(1));
        assertThat(s.maxRequests()).isEqualTo(1000);
        assertThat(s.idleTimeout()).isEqualTo(Duration.ofSeconds(75));
        assertThat(s.maxAge()).isEqualTo(Duration.ofHours(1));
        assertThat(s.jitter()).isEqualTo(0.10);
    }

    @Test
    void entriesAreSeparatedByCommasSemicolonsOrNewLines() {
        StandardClosePolicy a = ClosePolicy.parse("client-first, close.client-wait=1s; reuse.idle-timeout=2m\n close.ack-wait=3s");
        StandardClosePolicy b = ClosePolicy.builder(Preset.CLIENT_FIRST).clientWait(Duration.ofSeconds(1))
                .idleTimeout(Duration.ofMinutes(2)).ackWait(Duration.ofSeconds(3)).build();
        assertThat(a).isEqualTo(b);
    }

    @Test
    void withoutAPresetKeysApplyToTheKeepAliveDefaults() {
        assertThat(ClosePolicy.parse("reuse.max-requests=5")).isEqualTo(ClosePolicy.builder(Preset.KEEP_ALIVE).maxRequests(5).build());
    }

    @Test
    void thePresetKeyMayComeAnywhere() {
        assertThat(ClosePolicy.parse("close.client-wait=1s, preset=safe-reset"))
                .isEqualTo(ClosePolicy.builder(Preset.SAFE_RESET).clientWait(Duration.ofSeconds(1)).build());
    }

    @ParameterizedTest(name = "{0} = {1} ns")
    @CsvSource({
            "250ns, 250",
            "250us, 250000",
            "500ms, 500000000",
            "2s, 2000000000",
            "2 s, 2000000000",
            "2S, 2000000000",
            "1m, 60000000000",
            "1h, 3600000000000",
            "1d, 86400000000000",
            "PT2S, 2000000000",
            "pt0.25s, 250000000",
            "+3s, 3000000000"})
    void durationsAcceptUnitsAndIso8601(String text, long nanos) {
        assertThat(ClosePolicy.parse("close.client-wait=" + text).defaults().clientWait()).isEqualTo(Duration.ofNanos(nanos));
    }

    @ParameterizedTest(name = "{0} = {1} bytes")
    @CsvSource({"65536, 65536", "64KiB, 65536", "64k, 65536", "1MiB, 1048576", "1GiB, 1073741824", "500kB, 500000", "2MB, 2000000", "1GB, 1000000000", "7B, 7"})
    void sizesAcceptBinaryAndDecimalUnits(String text, long bytes) {
        assertThat(ClosePolicy.parse("close.linger-bytes=" + text).defaults().lingerBytes()).isEqualTo(bytes);
    }

    @ParameterizedTest(name = "{0} = {1}")
    @CsvSource({"10%, 0.1", "0.1, 0.1", "0%, 0.0", "50%, 0.5", "12.5%, 0.125", "-0%, 0.0"})
    void jitterIsAPercentageOrAFraction(String text, double fraction) {
        assertThat(ClosePolicy.parse("reuse.jitter=" + text).defaults().jitter()).isEqualTo(fraction);
    }

    @Test
    void negativeZeroJitterEqualsZeroJitter() {
        CloseSettings minusZero = CloseSettings.builder().jitter(-0.0).build();
        CloseSettings zero = CloseSettings.builder().jitter(0.0).build();
        assertThat(minusZero).isEqualTo(zero).hasSameHashCodeAs(zero);
        assertThat(ClosePolicy.parse(ClosePolicy.builder().jitter(-0.0).build().toSpec())).isEqualTo(ClosePolicy.builder().jitter(-0.0).build());
    }

    @Test
    void unlimitedRequestsNoMaxAgeAndUnderscoresInCounts() {
        CloseSettings s = ClosePolicy.parse("reuse.max-requests=unlimited, reuse.max-age=none").defaults();
        assertThat(s.maxRequests()).isEqualTo(Long.MAX_VALUE);
        assertThat(s.maxAge()).isNull();
        assertThat(ClosePolicy.parse("reuse.max-requests=10_000").defaults().maxRequests()).isEqualTo(10_000);
        assertThat(ClosePolicy.parse("reuse.max-requests=UNLIMITED").defaults().maxRequests()).isEqualTo(Long.MAX_VALUE);
    }

    @Test
    void drainTimeoutDefaultsToThirtySecondsAndRejectsZero() {
        assertThat(ClosePolicy.parse("keep-alive").defaults().drainTimeout()).isEqualTo(Duration.ofSeconds(30));
        StandardClosePolicy p = ClosePolicy.parse("reuse.drain-timeout=5s");
        CloseSettings s = p.defaults();
        assertThat(s.drainTimeout()).isEqualTo(Duration.ofSeconds(5));
        assertThat(s.retire(RetireReason.MAX_AGE).drainTimeout()).isEqualTo(Duration.ofSeconds(5));
        assertThat(p.toSpec()).contains("reuse.drain-timeout=5s");
        assertThatThrownBy(() -> ClosePolicy.parse("reuse.drain-timeout=0s"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("reuse.drain-timeout").hasMessageContaining("positive duration");
    }

    @Test
    void booleansAcceptOnOffAndYesNo() {
        assertThat(ClosePolicy.parse("close.reset-after-ack=off").defaults().resetAfterAck()).isFalse();
        assertThat(ClosePolicy.parse("close.reset-after-ack=No").defaults().resetAfterAck()).isFalse();
        assertThat(ClosePolicy.parse("reuse.honour-client-close=yes").defaults().honourClientClose()).isTrue();
    }

    @Test
    void rulesStartFromThePolicyDefaultsAndKeepTheOrderOfFirstAppearance() {
        StandardClosePolicy p = ClosePolicy.parse("client-first, close.client-wait=1s, "
                + "rule.zeta.when.protocol=tcp, rule.alpha.when.cidr=10.0.0.0/8|fd00::/8, rule.zeta.close.first=server, "
                + "rule.alpha.reuse.max-requests=unlimited");
        assertThat(p.rules()).extracting(Rule::name).containsExactly("zeta", "alpha");
        Rule zeta = p.rules().get(0);
        assertThat(zeta.protocols()).containsExactly(Protocol.TCP);
        assertThat(zeta.settings().closer()).isEqualTo(Closer.SERVER_FIRST);
        assertThat(zeta.settings().clientWait()).isEqualTo(Duration.ofSeconds(1));
        Rule alpha = p.rules().get(1);
        assertThat(alpha.remoteBlocks()).containsExactly(Cidr.parse("10.0.0.0/8"), Cidr.parse("fd00::/8"));
        assertThat(alpha.settings().maxRequests()).isEqualTo(Long.MAX_VALUE);
        assertThat(alpha.settings().closer()).isEqualTo(Closer.CLIENT_FIRST);
    }

    @Test
    void aRulePresetReplacesThePolicyDefaultsForThatRule() {
        StandardClosePolicy p = ClosePolicy.parse("server-fin, rule.lb.when.cidr=10.0.0.0/8, rule.lb.preset=keep-alive");
        assertThat(p.rules().get(0).settings()).isEqualTo(Preset.KEEP_ALIVE.settings());
        assertThat(ClosePolicy.parse(p.toSpec())).isEqualTo(p);
    }

    @Test
    void aRuleWithoutConditionsOrChangesStillRoundTrips() {
        StandardClosePolicy p = ClosePolicy.builder().rule(Rule.builder("all")).build();
        assertThat(p.rules()).hasSize(1);
        assertThat(ClosePolicy.parse(p.toSpec())).isEqualTo(p);
    }

    @Test
    void ruleNamesAreCaseInsensitiveLikeKeys() {
        assertThat(ClosePolicy.parse("rule.LAN.when.cidr=10.0.0.0/8").rules().get(0).name()).isEqualTo("lan");
    }

    @Test
    void buildersDefaultsMayReturnANewBuilder() {
        CloseSettings s = CloseSettings.builder(Preset.SERVER_FIN).build();
        assertThat(ClosePolicy.builder().defaults(b -> s.toBuilder()).build().defaults()).isEqualTo(s);
        assertThat(ClosePolicy.builder().defaults(b -> b.maxRequests(7)).build().defaults().maxRequests()).isEqualTo(7);
    }

    @Test
    void settingsForReturnsTheFirstMatchingRulesSettings() {
        StandardClosePolicy p = ClosePolicy.parse("rule.a.when.protocol=tcp, rule.a.close.first=server, rule.b.reuse.max-requests=3");
        assertThat(p.settingsFor(TestView.http11().protocol(Protocol.TCP))).isEqualTo(p.rules().get(0).settings());
        assertThat(p.settingsFor(TestView.http11())).isEqualTo(p.rules().get(1).settings());
    }

    @Test
    void aCustomPolicyHasNoSpecText() {
        ClosePolicy custom = (view, now) -> ClosePolicies.serverFin().decide(view, now);
        assertThatThrownBy(custom::toSpec).isInstanceOf(UnsupportedOperationException.class);
        assertThat(ClosePolicies.guarded(ClosePolicies.safeReset()).toSpec()).isEqualTo(ClosePolicies.safeReset().toSpec());
    }
}
