package org.closepolicy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Properties;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** A policy can come from properties files and from {@code -Dclosepolicy...} system properties. */
class PolicyFromPropertiesTest {

    private Properties savedSystemProperties;

    @BeforeEach
    void saveSystemProperties() {
        savedSystemProperties = (Properties) System.getProperties().clone();
        clearClosePolicySystemProperties();
    }

    @AfterEach
    void restoreSystemProperties() {
        System.setProperties(savedSystemProperties);
    }

    private static void clearClosePolicySystemProperties() {
        for (String name : System.getProperties().stringPropertyNames()) {
            if (name.equals(PolicySpec.SYSTEM_PROPERTY) || name.startsWith(PolicySpec.SYSTEM_PROPERTY + ".")) {
                System.clearProperty(name);
            }
        }
    }

    @Test
    void noKeyWithThePrefixMeansNoPolicy() {
        Properties p = new Properties();
        p.setProperty("other.close.first", "server");
        p.setProperty("app.close.", "ignored: nothing after the prefix");
        assertThat(ClosePolicy.fromProperties(p, "app.close.")).isEmpty();
    }

    @Test
    void keysAfterThePrefixAreSpecKeys() {
        Properties p = new Properties();
        p.setProperty("app.close.preset", "client-first");
        p.setProperty("app.close.close.client-wait", " 1s ");
        p.setProperty("app.close.Reuse.Idle-Timeout", "2m");
        p.setProperty("unrelated", "x");
        assertThat(ClosePolicy.fromProperties(p, "app.close."))
                .contains(ClosePolicy.builder(Preset.CLIENT_FIRST).clientWait(Duration.ofSeconds(1)).idleTimeout(Duration.ofMinutes(2)).build());
    }

    @Test
    void rulesFollowRuleOrderElseTheirNames() {
        Properties p = new Properties();
        p.setProperty("x.rule.b.when.protocol", "tcp");
        p.setProperty("x.rule.a.when.protocol", "http2");
        p.setProperty("x.rule.c.when.protocol", "http1");
        assertThat(ClosePolicy.fromProperties(p, "x.").orElseThrow().rules()).extracting(Rule::name).containsExactly("a", "b", "c");
        p.setProperty("x.rule-order", "c | B");
        assertThat(ClosePolicy.fromProperties(p, "x.").orElseThrow().rules()).extracting(Rule::name).containsExactly("c", "b", "a");
    }

    @Test
    void aRuleOrderNamingNoRuleIsAMistake() {
        Properties p = new Properties();
        p.setProperty("x.rule.a.when.protocol", "tcp");
        p.setProperty("x.rule-order", "a|ghost");
        assertThatThrownBy(() -> ClosePolicy.fromProperties(p, "x."))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'rule-order'")
                .hasMessageContaining("'ghost'");
    }

    @Test
    void badPropertiesNameTheKeyAndValue() {
        Properties p = new Properties();
        p.setProperty("x.close.mode", "slam");
        assertThatThrownBy(() -> ClosePolicy.fromProperties(p, "x."))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("close.mode")
                .hasMessageContaining("'slam'");
    }

    @Test
    void noSystemPropertyMeansNoPolicy() {
        assertThat(ClosePolicy.fromSystemProperties()).isEmpty();
    }

    @Test
    void theWholeSpecMayBeOneSystemProperty() {
        System.setProperty("closepolicy", "safe-reset, close.client-wait=1s");
        assertThat(ClosePolicy.fromSystemProperties())
                .contains(ClosePolicy.builder(Preset.SAFE_RESET).clientWait(Duration.ofSeconds(1)).build());
    }

    @Test
    void orOneSystemPropertyPerKey() {
        System.setProperty("closepolicy.preset", "server-fin");
        System.setProperty("closepolicy.close.mode", "linger");
        System.setProperty("closepolicy.rule.lan.when.cidr", "10.0.0.0/8");
        StandardClosePolicy p = ClosePolicy.fromSystemProperties().orElseThrow();
        assertThat(p.defaults().mode()).isEqualTo(CloseMode.LINGER);
        assertThat(p.rules()).extracting(Rule::name).containsExactly("lan");
    }

    @Test
    void aBlankWholeSpecFallsBackToKeys() {
        System.setProperty("closepolicy", "  ");
        assertThat(ClosePolicy.fromSystemProperties()).isEmpty();
        System.setProperty("closepolicy.preset", "lingering");
        assertThat(ClosePolicy.fromSystemProperties()).contains(ClosePolicies.lingering());
    }

    @Test
    void aBadSystemPropertyIsReportedNotIgnored() {
        System.setProperty("closepolicy", "safe-reset, close.client-wait=soon");
        assertThatThrownBy(ClosePolicy::fromSystemProperties)
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'close.client-wait'")
                .hasMessageContaining("'soon'");
    }
}
