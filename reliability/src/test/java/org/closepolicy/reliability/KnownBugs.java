package org.closepolicy.reliability;

import static org.assertj.core.api.Assertions.fail;

import java.util.Set;
import org.junit.jupiter.api.Assumptions;

/**
 * Checks of exact bounds that an adapter is known not to meet yet (each reported with this suite's reproducer).
 * The hard guarantees — the connection ends, within the policy's outer bound, without a leak — are always asserted
 * as usual; only the finer check goes through here. A known deviation aborts the test (reported as skipped, with the
 * reason) so the suite stays usable while the fix is pending; {@code -Dreliability.strict=true} makes it fail.
 * A check that passes for a listed adapter passes silently: then the entry can go.
 */
final class KnownBugs {

    /** Netty: input the HTTP codec holds back (no complete message) was invisible while closing (fixed). */
    static final Set<Adapter> CODEC_HIDES_INPUT_WHILE_CLOSING = Set.of();

    /** Jetty: connections closed server-first with a FIN reported {@code bytesOut} 0 in their close event (fixed). */
    static final Set<Adapter> BYTES_OUT_MISSING_ON_SERVER_FIN = Set.of();

    /** Jetty: a peer's RST in the middle of a response closed server-first was reported as {@code LOCAL_FIN} (fixed). */
    static final Set<Adapter> PEER_RESET_REPORTED_AS_LOCAL_FIN = Set.of();

    private KnownBugs() {
    }

    static void check(boolean holds, Adapter adapter, Set<Adapter> knownBroken, String message) {
        if (holds) {
            return;
        }
        if (knownBroken.contains(adapter) && !Boolean.getBoolean("reliability.strict")) {
            Assumptions.abort("known adapter bug (" + adapter + "): " + message + " — run with -Dreliability.strict=true to fail");
        }
        fail(message);
    }
}
