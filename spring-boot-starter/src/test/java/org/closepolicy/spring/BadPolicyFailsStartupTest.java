package org.closepolicy.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.closepolicy.ClosePolicy;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

@ExtendWith(OutputCaptureExtension.class)
class BadPolicyFailsStartupTest {

    @Test
    void aBadSpecFailsStartupWithAReportNamingThePropertyKeyAndValue(CapturedOutput output) {
        assertThatThrownBy(() -> new SpringApplicationBuilder(SampleApp.class)
                .properties(Servers.REACTIVE, Servers.NO_JETTY_REACTIVE, "server.port=0",
                        "closepolicy.policy=client-first, close.client-wait=soon")
                .run()
                .close())
                .hasRootCauseInstanceOf(IllegalArgumentException.class);
        assertThat(output)
                .contains("APPLICATION FAILED TO START")
                .contains("closepolicy.policy is not a valid close policy")
                .contains("close.client-wait")
                .contains("soon");
    }

    @Test
    void theDefaultKeepsTheServersOwnReuseAndNeverResets() {
        ClosePolicy p = ClosePolicyServers.defaultPolicy(Duration.ofSeconds(30));
        assertThat(p.toSpec())
                .contains("reuse.max-requests=unlimited")
                .contains("reuse.max-age=none")
                .contains("reuse.idle-timeout=30s")
                .contains("close.fallback=fin");
        assertThat(ClosePolicyServers.defaultPolicy(null).toSpec()).contains("reuse.idle-timeout=1d");
    }
}
