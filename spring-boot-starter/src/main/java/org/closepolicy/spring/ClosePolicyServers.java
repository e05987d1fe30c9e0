package org.closepolicy.spring;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BiFunction;
import org.closepolicy.ClosePolicy;
import org.closepolicy.CloseStats;
import org.closepolicy.DrainReport;
import org.springframework.boot.web.server.context.WebServerInitializedEvent;
import org.springframework.context.ApplicationListener;

/**
 * The application's close policy and the embedded servers it was installed into, with their statistics: what the
 * meters and the {@code closepolicy} endpoint read.
 *
 * <p>The policy is {@code closepolicy.policy}, parsed when this bean is created (a bad spec fails startup with
 * {@link InvalidClosePolicyException}). Unset, each server gets {@link #defaultPolicy(Duration)}: it keeps every
 * connection as long as the server itself would (no request limit, no maximum age, the server's own idle timeout)
 * and only changes how a retired connection closes: client-first, with a FIN (never an RST) when the client does not
 * close within the wait. That is never worse than the server's own close (a FIN) and moves TIME_WAIT to the client
 * whenever the client closes first.
 *
 * <p>Thread-safety: thread-safe.
 */
public final class ClosePolicyServers implements ApplicationListener<WebServerInitializedEvent> {

    /** The idle timeout the default policy uses for a server that has none (Reactor Netty's default). */
    static final Duration NO_SERVER_IDLE_TIMEOUT = Duration.ofDays(1);

    private final String spec;
    private final ClosePolicy configured;
    private final List<InstalledServer> servers = new CopyOnWriteArrayList<>();
    private volatile int port = -1;

    /** @throws InvalidClosePolicyException when {@code closepolicy.policy} does not parse */
    public ClosePolicyServers(ClosePolicyProperties properties) {
        String s = properties.getPolicy();
        this.spec = s == null || s.isBlank() ? null : s.trim();
        if (spec == null) {
            this.configured = null;
        } else {
            try {
                this.configured = ClosePolicy.parse(spec);
            } catch (IllegalArgumentException e) {
                throw new InvalidClosePolicyException(ClosePolicyProperties.PREFIX + ".policy", s, e);
            }
        }
    }

    /**
     * The default when {@code closepolicy.policy} is unset: the server's own reuse ({@code serverIdleTimeout},
     * or {@link #NO_SERVER_IDLE_TIMEOUT} when null), closed client-first with a FIN fallback.
     */
    public static ClosePolicy defaultPolicy(Duration serverIdleTimeout) {
        Duration idle = serverIdleTimeout == null || serverIdleTimeout.isNegative() || serverIdleTimeout.isZero()
                ? NO_SERVER_IDLE_TIMEOUT : serverIdleTimeout;
        long seconds = Math.max(1, (idle.toMillis() + 999) / 1000);
        return ClosePolicy.parse("keep-alive, reuse.max-requests=unlimited, reuse.max-age=none, reuse.idle-timeout="
                + seconds + "s, close.fallback=fin");
    }

    /** The policy for a server whose own idle timeout is {@code serverIdleTimeout} (null: none). */
    public ClosePolicy policyFor(Duration serverIdleTimeout) {
        return configured != null ? configured : defaultPolicy(serverIdleTimeout);
    }

    /** Whether {@code closepolicy.policy} was set. */
    public boolean configured() {
        return configured != null;
    }

    /** The servers (Jetty connectors, Reactor Netty servers) the policy was installed into, in order. */
    public List<InstalledServer> servers() {
        return List.copyOf(servers);
    }

    /** The application's web server port once it is initialized, else -1. */
    public int port() {
        return port;
    }

    InstalledServer register(String kind, ClosePolicy policy, CloseStats stats, DeferredCloseListener listener) {
        return register(kind, policy, stats, listener, null);
    }

    /**
     * Registers a server; {@code drainer} (null: the server does not stop gracefully) stops it accepting and drains
     * its connections within the timeout given, with the idle grace given (null: the adapter's), for
     * {@link ClosePolicyGracefulDrain}.
     */
    InstalledServer register(String kind, ClosePolicy policy, CloseStats stats, DeferredCloseListener listener,
            BiFunction<Duration, Duration, CompletableFuture<DrainReport>> drainer) {
        InstalledServer s = new InstalledServer(kind, policy, stats, listener, drainer);
        servers.add(s);
        return s;
    }

    @Override
    public void onApplicationEvent(WebServerInitializedEvent event) {
        if (event.getApplicationContext().getServerNamespace() == null) {
            port = event.getWebServer().getPort();
        }
    }

    /**
     * One server or connector under the policy.
     *
     * <p>Thread-safety: immutable; {@link #stats()} is thread-safe.
     */
    public static final class InstalledServer {
        private final String kind;
        private final ClosePolicy policy;
        private final CloseStats stats;
        private final DeferredCloseListener listener;
        private final BiFunction<Duration, Duration, CompletableFuture<DrainReport>> drainer;
        private volatile DrainReport lastDrain;

        InstalledServer(String kind, ClosePolicy policy, CloseStats stats, DeferredCloseListener listener,
                BiFunction<Duration, Duration, CompletableFuture<DrainReport>> drainer) {
            this.kind = kind;
            this.policy = policy;
            this.stats = stats;
            this.listener = listener;
            this.drainer = drainer;
        }

        /** {@code jetty} or {@code reactor-netty}. */
        public String kind() {
            return kind;
        }

        /** The policy installed. */
        public ClosePolicy policy() {
            return policy;
        }

        /** The adapter's own statistics. */
        public CloseStats stats() {
            return stats;
        }

        /** The report of the drain {@code server.shutdown=graceful} ran at shutdown, or null when none has ended. */
        public DrainReport lastDrain() {
            return lastDrain;
        }

        /** Whether the server stops gracefully ({@code server.shutdown=graceful}), and so is drained at shutdown. */
        public boolean drainsAtShutdown() {
            return drainer != null;
        }

        DeferredCloseListener listener() {
            return listener;
        }

        /**
         * Stops accepting and drains within {@code timeout}, giving quiet connections {@code idleGrace} (null: the
         * adapter's default); the report is kept as {@link #lastDrain()}.
         */
        CompletableFuture<DrainReport> drain(Duration timeout, Duration idleGrace) {
            return drainer.apply(timeout, idleGrace).whenComplete((report, error) -> {
                if (report != null) {
                    lastDrain = report;
                }
            });
        }
    }
}
