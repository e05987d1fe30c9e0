package org.closepolicy.examples;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * What the kernel does with a port handed over by SO_REUSEPORT: connections still waiting in the closing
 * listener's accept queue are reset when it closes, unless {@code net.ipv4.tcp_migrate_req} is 1 (Linux 5.14+),
 * which moves them to another listener of the group.
 *
 * <p>Thread-safety: stateless.
 */
final class Handover {

    private static final Path MIGRATE_REQ = Path.of("/proc/sys/net/ipv4/tcp_migrate_req");

    private Handover() {
    }

    /** The value of {@code net.ipv4.tcp_migrate_req}, or empty where the kernel has no such setting. */
    static Optional<String> migrateReq() {
        try {
            return Optional.of(Files.readString(MIGRATE_REQ).trim());
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    /** One or two lines for {@code serve --reuse-port}. */
    static String advice() {
        String v = migrateReq().orElse(null);
        if (v == null) {
            return "SO_REUSEPORT on; net.ipv4.tcp_migrate_req is not available here (Linux 5.14+): connections in this"
                    + " listener's accept queue when it closes are reset.";
        }
        if ("1".equals(v)) {
            return "SO_REUSEPORT on; net.ipv4.tcp_migrate_req=1: the accept queue moves to the next server on stop.";
        }
        return "SO_REUSEPORT on; net.ipv4.tcp_migrate_req=" + v + ": connections in this listener's accept queue when it"
                + " closes are reset.\n  For a handover without resets: sysctl -w net.ipv4.tcp_migrate_req=1";
    }
}
