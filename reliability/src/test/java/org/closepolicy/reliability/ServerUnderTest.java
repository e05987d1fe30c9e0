package org.closepolicy.reliability;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import org.closepolicy.ClosePolicy;
import org.closepolicy.CloseStats;
import org.closepolicy.testkit.TimeWaitCounter;

/**
 * A real server of one adapter on an ephemeral port, serving:
 * <ul>
 *   <li>{@code GET /weather.xml}: {@link Payloads#SMALL} deterministic bytes with a length;</li>
 *   <li>{@code GET /bytes?n=N}: N deterministic bytes with a length;</li>
 *   <li>{@code POST /upload}: 200 once the body is read, or an immediate 413 (body unread) above
 *       {@link Payloads#UPLOAD_LIMIT};</li>
 *   <li>anything else: 404; a request that cannot be parsed: 400 (431 on Jetty for huge headers), closing.</li>
 * </ul>
 */
interface ServerUnderTest extends AutoCloseable {

    /**
     * How a server is set up besides its policy.
     *
     * @param host        the address to bind
     * @param idleTimeout Jetty's connector idle timeout (bounds reads and writes within an exchange and the
     *                    wait for the first request); Netty has no equivalent besides the policy's own timers
     * @param keepEvents  whether to keep every close event (off for soak runs)
     */
    record Options(InetAddress host, Duration idleTimeout, boolean keepEvents) {
        static Options loopback() {
            return new Options(InetAddress.getLoopbackAddress(), Duration.ofSeconds(30), true);
        }

        Options bind(InetAddress address) {
            return new Options(address, idleTimeout, keepEvents);
        }

        Options idle(Duration d) {
            return new Options(host, d, keepEvents);
        }

        Options countOnly() {
            return new Options(host, idleTimeout, false);
        }
    }

    static ServerUnderTest start(Adapter adapter, ClosePolicy policy) {
        return start(adapter, policy, Options.loopback());
    }

    static ServerUnderTest start(Adapter adapter, ClosePolicy policy, Options options) {
        return switch (adapter) {
            case NETTY -> NettyServer.start(policy, options);
            case JETTY -> JettyServer.start(policy, options);
        };
    }

    Adapter adapter();

    InetSocketAddress address();

    default int port() {
        return address().getPort();
    }

    /** The adapter's own statistics. */
    CloseStats stats();

    /** Every close event (when kept). */
    CloseRecorder events();

    /**
     * TIME_WAIT on this server's port, without the rows that were there when it bound it (an earlier client's
     * TIME_WAIT on the same ephemeral port is not this server's).
     */
    TimeWaitCounter.Since timeWait();

    /** Stops the server; never throws. */
    @Override
    void close();
}
