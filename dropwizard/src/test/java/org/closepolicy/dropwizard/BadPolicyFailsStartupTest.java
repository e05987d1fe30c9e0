package org.closepolicy.dropwizard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.dropwizard.core.Configuration;
import io.dropwizard.testing.DropwizardTestSupport;
import io.dropwizard.testing.ResourceHelpers;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The policy is parsed when Dropwizard reads the configuration: a bad spec (or none) stops startup with Dropwizard's
 * configuration error, naming the property's path, the key and the value, before any socket is bound.
 */
class BadPolicyFailsStartupTest {

    /** The property's path as Dropwizard prints it: {@code server.applicationConnectors.[0].policy} (parsing) or without the dot (validation). */
    private static final String POLICY_PATH = "server\\.applicationConnectors\\.?\\[0\\]\\.policy";

    @Test
    void aBadSpecNamesThePropertyPathTheKeyAndTheValue() {
        String messages = startupFailure(SampleApp.withPolicy("client-first; close.client-wait=soon"));

        assertThat(messages)
                .containsPattern(POLICY_PATH)
                .contains("close.client-wait")
                .contains("soon");
    }

    @Test
    void anUnknownKeyIsNamed() {
        String messages = startupFailure(SampleApp.withPolicy("client-first; reuse.max-request=10"));

        assertThat(messages)
                .containsPattern(POLICY_PATH)
                .contains("reuse.max-request");
    }

    @Test
    void aMissingPolicyIsNamed() {
        String messages = startupFailure(new DropwizardTestSupport<>(SampleApp.class,
                ResourceHelpers.resourceFilePath("no-policy.yml")));

        assertThat(messages).containsPattern(POLICY_PATH).contains("must not be null");
    }

    /** Every message of the startup failure's cause chain, one a line. */
    private static String startupFailure(DropwizardTestSupport<Configuration> app) {
        Throwable thrown = catchThrowable(app::before);
        app.after();
        assertThat(thrown).as("startup should fail").isNotNull();
        List<String> messages = new ArrayList<>();
        for (Throwable t = thrown; t != null; t = t.getCause()) {
            messages.add(t.getClass().getName() + ": " + t.getMessage());
        }
        String all = String.join("\n", messages);
        System.out.println(all);
        return all;
    }
}
