package org.closepolicy.spring;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * The {@code closepolicy.*} properties.
 * <pre>{@code
 * # application.properties
 * closepolicy.policy=client-first
 * closepolicy.enabled=true
 * closepolicy.drain-idle-grace=3s
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

    /**
     * How long a quiet keep-alive connection is given for a last request when {@code server.shutdown=graceful}
     * drains the server, before the policy's idle close. Unset: 1 s (at most half the drain's time). Make it longer
     * than the longest pause your clients make between a response and their next request on the same connection.
     */
    private Duration drainIdleGrace;

    public boolean isEnabled() {
        return enabled;
    }

    public void setEnabled(boolean enabled) {
        this.enabled = enabled;
    }

    public Duration getDrainIdleGrace() {
        return drainIdleGrace;
    }

    public void setDrainIdleGrace(Duration drainIdleGrace) {
        this.drainIdleGrace = drainIdleGrace;
    }

    public String getPolicy() {
        return policy;
    }

    public void setPolicy(String policy) {
        this.policy = policy;
    }
}
