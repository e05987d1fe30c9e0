package org.closepolicy.spring;

import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * The {@code closepolicy.*} properties.
 * <pre>{@code
 * # application.properties
 * closepolicy.policy=client-first
 * closepolicy.enabled=true
 * }</pre>
 *
 * <p>Thread-safety: a mutable bean bound once at startup; read-only afterwards.
 */
@ConfigurationProperties(prefix = ClosePolicyProperties.PREFIX)
public class ClosePolicyProperties {

    /** The property prefix. */
    public static final String PREFIX = "closepolicy";

    /** Whether to install the close policy into the embedded Jetty or Reactor Netty server. */
    private boolean enabled = true;

    /**
     * The close policy as spec text: a preset ({@code server-fin}, {@code lingering}, {@code client-first},
     * {@code safe-reset}, {@code keep-alive}) and/or {@code key=value} settings, e.g.
     * {@code keep-alive, reuse.max-age=30m}. Unset: the server's own reuse, closed client-first with a FIN fallback.
     */
    private String policy;

    public boolean isEnabled() {
        return enabled;
    }

    public void setEnabled(boolean enabled) {
        this.enabled = enabled;
    }

    public String getPolicy() {
        return policy;
    }

    public void setPolicy(String policy) {
        this.policy = policy;
    }
}
