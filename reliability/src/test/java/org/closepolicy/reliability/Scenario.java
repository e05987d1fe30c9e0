package org.closepolicy.reliability;

import java.time.Duration;
import org.closepolicy.ClosePolicy;
import org.closepolicy.Closer;
import org.closepolicy.StandardClosePolicy;

/** The close modes every scenario runs under, with short bounds so that a run takes seconds. */
enum Scenario {
    SERVER_FIN("server-fin"),
    LINGERING("lingering"),
    CLIENT_FIRST("client-first, close.client-wait=1s, close.ack-wait=2s"),
    SAFE_RESET("safe-reset, close.client-wait=1s, close.ack-wait=2s");

    /** Lingering bounds of every scenario (lingering also replaces a server FIN over unread input). */
    private static final String LINGER_BOUNDS = ", close.linger-time=3s, close.linger-timeout=1s";

    /** Slack for scheduling, timer ticks and the ack watcher's polling on a busy 2-core machine. */
    static final Duration SLACK = Duration.ofMillis(1_500);

    private final String spec;

    Scenario(String spec) {
        this.spec = spec;
    }

    /** The policy, with the flush bound given (a lossy or stalled transfer needs longer than the default). */
    StandardClosePolicy policy(Duration flushTimeout) {
        return policy(flushTimeout, "");
    }

    /** As {@link #policy(Duration)}, with more spec entries ({@code ", reuse.idle-timeout=2s"}). */
    StandardClosePolicy policy(Duration flushTimeout, String more) {
        return ClosePolicy.parse(spec + LINGER_BOUNDS + ", close.flush-timeout=" + flushTimeout.toMillis() + "ms" + more);
    }


    /** The preset name. */
    String preset() {
        return spec.split(",")[0];
    }

    boolean clientFirst() {
        return policy(Duration.ofSeconds(1)).defaults().closer() == Closer.CLIENT_FIRST;
    }

    /** Whether the server holds the TIME_WAIT of a curl-like client under this mode. */
    boolean serverHoldsTimeWait() {
        return !clientFirst();
    }

    /** The waits after the response is flushed: client wait (client-first), then the longer of ack wait and lingering. */
    Duration waitBound() {
        var s = policy(Duration.ofSeconds(1)).defaults();
        Duration after = s.ackWait().compareTo(s.lingerTime()) > 0 ? s.ackWait() : s.lingerTime();
        return (clientFirst() ? s.clientWait() : Duration.ZERO).plus(after);
    }
}
