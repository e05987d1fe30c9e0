package org.closepolicy.spring;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/**
 * Reports a bad {@code closepolicy.policy} as a startup failure naming the property, the key, the value and what is
 * allowed, instead of a stack trace. Registered in {@code META-INF/spring.factories}.
 * <pre>
 * ***************************
 * APPLICATION FAILED TO START
 * ***************************
 * Description:
 * closepolicy.policy is not a valid close policy: 'close.client-wait=soon': bad value for close.client-wait: ...
 * Action:
 * Fix closepolicy.policy: ...
 * </pre>
 *
 * <p>Thread-safety: stateless.
 */
public class InvalidClosePolicyFailureAnalyzer extends AbstractFailureAnalyzer<InvalidClosePolicyException> {

    @Override
    protected FailureAnalysis analyze(Throwable rootFailure, InvalidClosePolicyException cause) {
        String description = cause.property() + " is not a valid close policy.\n\n    " + cause.property() + "=" + cause.value()
                + "\n\n" + cause.reason();
        String action = "Fix " + cause.property() + ". It takes a preset (server-fin, lingering, client-first, safe-reset,"
                + " keep-alive) and/or key=value settings separated by commas, e.g. 'client-first' or"
                + " 'keep-alive, reuse.max-age=30m'. Set closepolicy.enabled=false to start without a close policy.";
        return new FailureAnalysis(description, action, cause);
    }
}
