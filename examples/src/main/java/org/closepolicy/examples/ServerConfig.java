package org.closepolicy.examples;

import java.time.Duration;
import org.closepolicy.StandardClosePolicy;

/**
 * What {@link ExampleServers#start} needs to start one server.
 *
 * <p>Thread-safety: immutable.
 *
 * @param kind       netty or jetty
 * @param host       the address to bind
 * @param port       the port to bind; 0 picks a free one
 * @param policy     the close policy; null runs the bare framework (no closepolicy) for comparisons
 * @param policyText the policy as the user wrote it, for display
 * @param transport  netty's transport (jetty ignores it)
 * @param drain      how long a graceful stop waits for requests in flight
 * @param reusePort  bind with SO_REUSEPORT, so that another server can listen on the same port (a handover)
 */
record ServerConfig(ServerKind kind, String host, int port, StandardClosePolicy policy, String policyText,
        TransportKind transport, Duration drain, boolean reusePort) {

    ServerConfig(ServerKind kind, String host, int port, StandardClosePolicy policy, String policyText,
            TransportKind transport, Duration drain) {
        this(kind, host, port, policy, policyText, transport, drain, false);
    }

    /** Whether the server runs without closepolicy: the framework's own keep-alive handling. */
    boolean bare() {
        return policy == null;
    }

    /** The policy as spec text, or {@code none}. */
    String specText() {
        return policy == null ? PolicyArg.NONE : policy.toSpec();
    }
}
