package org.closepolicy.micrometer;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.closepolicy.CloseEvent;
import org.closepolicy.CloseMode;
import org.closepolicy.Closer;
import org.closepolicy.FallbackReason;
import org.closepolicy.Protocol;
import org.closepolicy.RetireReason;
import org.closepolicy.WhoClosed;

/** Close events for tests. */
final class Events {

    private static final AtomicLong IDS = new AtomicLong();
    private static final InetSocketAddress CLIENT = InetSocketAddress.createUnresolved("client", 40000);
    private static final InetSocketAddress SERVER = InetSocketAddress.createUnresolved("server", 8080);

    private Events() {
    }

    /** A connection the server retired with {@code planned}, ended as {@code who} with {@code used}. */
    static CloseEvent retired(WhoClosed who, CloseMode planned, CloseMode used, FallbackReason fallback,
                              RetireReason reason, Duration closeDuration) {
        return new CloseEvent(IDS.incrementAndGet(), CLIENT, SERVER, Protocol.HTTP1, who, Closer.CLIENT_FIRST,
                planned, used, fallback, reason, 3, 300, 6000, Duration.ofSeconds(1), closeDuration);
    }

    /** A kept-alive connection the peer ended first: never retired, so no close duration. */
    static CloseEvent endedByPeer(WhoClosed who, CloseMode used) {
        return new CloseEvent(IDS.incrementAndGet(), CLIENT, SERVER, Protocol.HTTP1, who, null,
                null, used, FallbackReason.NONE, null, 2, 200, 4000, Duration.ofSeconds(5), Duration.ZERO);
    }
}
