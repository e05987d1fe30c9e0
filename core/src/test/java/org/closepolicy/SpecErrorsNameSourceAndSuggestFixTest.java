package org.closepolicy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Properties;
import org.junit.jupiter.api.Test;

/** Spec errors say where the bad text came from, suggest the nearest valid word, and explain the separators. */
class SpecErrorsNameSourceAndSuggestFixTest {

    @Test
    void aMisspeltPresetSuggestsTheNearestOne() {
        assertThatThrownBy(() -> ClosePolicy.parse("client-frist"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'client-frist'")
                .hasMessageContaining("did you mean 'client-first'?");
        assertThatThrownBy(() -> ClosePolicy.parse("saferest, close.client-wait=1s"))
                .hasMessageContaining("did you mean 'safe-reset'?");
    }

    @Test
    void aMisspeltKeySuggestsTheNearestKey() {
        assertThatThrownBy(() -> ClosePolicy.parse("client-first, close.client-wiat=1s"))
                .hasMessageContaining("unknown key 'close.client-wiat'")
                .hasMessageContaining("did you mean 'close.client-wait'?");
        assertThatThrownBy(() -> ClosePolicy.parse("reuse.max-request=10"))
                .hasMessageContaining("did you mean 'reuse.max-requests'?");
        assertThatThrownBy(() -> ClosePolicy.parse("rule.lb.when.cdir=10.0.0.0/8"))
                .hasMessageContaining("did you mean 'rule.lb.when.cidr'?");
    }

    @Test
    void nothingIsSuggestedWhenNothingIsClose() {
        assertThatThrownBy(() -> ClosePolicy.parse("banana=1"))
                .hasMessageContaining("unknown key 'banana'")
                .hasMessageNotContaining("did you mean");
    }

    @Test
    void aSpaceSeparatedSpecExplainsTheSeparators() {
        assertThatThrownBy(() -> ClosePolicy.parse("client-first close.client-wait=1s"))
                .hasMessageContaining("separated by spaces")
                .hasMessageContaining("separate entries with ',' or ';'")
                .hasMessageContaining("'client-first, close.client-wait=1s'");
        assertThatThrownBy(() -> ClosePolicy.parse("close.first=client close.mode=rst"))
                .hasMessageContaining("'close.first=client, close.mode=rst'");
    }

    @Test
    void spacesAroundTheEqualsSignAndInsideValuesStillParse() {
        assertThat(ClosePolicy.parse("client-first, close.client-wait = 1s, rule.lb.when.cidr=10.0.0.0/8 | fd00::/8").toSpec())
                .contains("close.client-wait=1s");
    }

    @Test
    void theSourceComesFirst() {
        assertThatThrownBy(() -> ClosePolicy.parse("client-frist", "--policy"))
                .hasMessageStartingWith("--policy ('client-frist'): ")
                .hasMessageContaining("did you mean 'client-first'?");
    }

    @Test
    void aBadSystemPropertyNamesTheProperty() {
        String old = System.getProperty("closepolicy");
        System.setProperty("closepolicy", "safe-reset, close.client-wait=soon");
        try {
            assertThatThrownBy(ClosePolicy::fromSystemProperties)
                    .hasMessageStartingWith("system property -Dclosepolicy ('safe-reset, close.client-wait=soon'): ")
                    .hasMessageContaining("close.client-wait");
        } finally {
            if (old == null) {
                System.clearProperty("closepolicy");
            } else {
                System.setProperty("closepolicy", old);
            }
        }
    }

    @Test
    void badPropertiesNameTheSourceAndTheFullKey() {
        Properties p = new Properties();
        p.setProperty("closepolicy.close.mode", "rsst");
        assertThatThrownBy(() -> PolicySpec.fromProperties(p, "closepolicy.", "system properties -Dclosepolicy.*"))
                .hasMessageStartingWith("system properties -Dclosepolicy.*: ")
                .hasMessageContaining("key 'closepolicy.close.mode'");
    }
}
