package org.closepolicy.spring;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.web.server.AbstractConfigurableWebServerFactory;
import org.springframework.boot.web.server.Shutdown;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.SmartLifecycle;
import org.springframework.core.env.Environment;

/**
 * Makes {@code server.shutdown=graceful} (Spring Boot's default) drain every connection the policy's way: in the
 * shutdown phase just before Spring's own graceful shutdown, each server stops accepting and is
 * {@linkplain org.closepolicy.netty.NettyClosePolicy#drain(Duration) drained} within
 * {@code spring.lifecycle.timeout-per-shutdown-phase}: HTTP/1.1 responses in flight carry {@code Connection: close}
 * and the client closes first (client-first: no server TIME_WAIT), idle keep-alive connections are closed by the
 * policy's idle retirement, HTTP/2 connections get one {@code GOAWAY}. Spring's graceful shutdown then finds no
 * request left. The drain report is logged and kept on {@link ClosePolicyServers.InstalledServer#lastDrain()}.
 * <pre>{@code
 * # application.properties
 * closepolicy.policy=client-first
 * server.shutdown=graceful                          # the default
 * spring.lifecycle.timeout-per-shutdown-phase=20s   # bounds the drain
 * closepolicy.drain-idle-grace=3s                   # a quiet connection's time for a last request (default 1 s)
 * }</pre>
 * With {@code server.shutdown=immediate} it does nothing. Spring's Jetty graceful stop alone would drain too (it
 * calls each connector's {@code shutdown()}), but with Spring's stop timeout of 0 and without waiting for the
 * drain: Spring only waits for requests in flight, not for the clients' closes or the idle connections.
 *
 * <p>Thread-safety: called by the container; the drain completes on other threads.
 */
public final class ClosePolicyGracefulDrain implements SmartLifecycle {

    private static final Logger LOG = LoggerFactory.getLogger(ClosePolicyGracefulDrain.class);
    /** What Spring Boot waits per shutdown phase when {@code spring.lifecycle.timeout-per-shutdown-phase} is unset. */
    static final Duration DEFAULT_PHASE_TIMEOUT = Duration.ofSeconds(30);
    /** The most of the phase kept back for the report to be made after the drain's deadline (it takes about 1 s). */
    private static final Duration REPORT_MARGIN = Duration.ofSeconds(2);

    private final ClosePolicyServers servers;
    private final Duration phaseTimeout;
    private final Duration idleGrace;
    private volatile boolean running;

    public ClosePolicyGracefulDrain(ClosePolicyServers servers, ClosePolicyProperties properties,
            Environment environment) {
        this(servers, Binder.get(environment)
                .bind("spring.lifecycle.timeout-per-shutdown-phase", Duration.class)
                .orElse(DEFAULT_PHASE_TIMEOUT), properties.getDrainIdleGrace());
    }

    /** {@code idleGrace} null: the adapter's default. */
    ClosePolicyGracefulDrain(ClosePolicyServers servers, Duration phaseTimeout, Duration idleGrace) {
        this.servers = servers;
        this.phaseTimeout = phaseTimeout;
        if (idleGrace != null && idleGrace.isNegative()) {
            throw new IllegalArgumentException(
                    ClosePolicyProperties.PREFIX + ".drain-idle-grace must be >= 0, got " + idleGrace);
        }
        this.idleGrace = idleGrace;
    }

    /** Whether {@code factory} stops its server gracefully. */
    static boolean graceful(Object factory) {
        return factory instanceof AbstractConfigurableWebServerFactory f && f.getShutdown() == Shutdown.GRACEFUL;
    }

    /** The drain's own deadline: the phase timeout less a margin, so that its report comes within the phase. */
    Duration drainTimeout() {
        Duration quarter = phaseTimeout.dividedBy(4);
        Duration margin = quarter.compareTo(REPORT_MARGIN) < 0 ? quarter : REPORT_MARGIN;
        Duration t = phaseTimeout.minus(margin);
        return t.isNegative() ? Duration.ZERO : t;
    }

    @Override
    public void start() {
        running = true;
    }

    @Override
    public void stop() {
        stop(() -> { });
    }

    @Override
    public void stop(Runnable callback) {
        running = false;
        List<CompletableFuture<?>> drains = new ArrayList<>();
        Duration timeout = drainTimeout();
        // The adapters refuse a grace longer than the drain: a grace that long means "no idle close before the end".
        Duration grace = idleGrace == null ? null : idleGrace.compareTo(timeout) > 0 ? timeout : idleGrace;
        for (ClosePolicyServers.InstalledServer s : servers.servers()) {
            if (!s.drainsAtShutdown()) {
                continue;
            }
            LOG.info("closepolicy: draining {} connections of {} within {}", s.stats().open(), s.kind(), timeout);
            try {
                drains.add(s.drain(timeout, grace).whenComplete((report, error) -> {
                    if (error != null) {
                        LOG.warn("closepolicy: the drain of {} failed", s.kind(), error);
                    } else {
                        LOG.info("closepolicy: drained {}: {}", s.kind(), report.toJson());
                    }
                }));
            } catch (RuntimeException e) {
                LOG.warn("closepolicy: the drain of {} could not start", s.kind(), e);
            }
        }
        if (drains.isEmpty()) {
            callback.run();
            return;
        }
        // Spring stops waiting for this phase at its timeout anyway; bounding it here ends the phase as soon as
        // the drains end or the phase's time is up, whichever comes first, and never fails it.
        CompletableFuture.allOf(drains.toArray(new CompletableFuture<?>[0]))
                .completeOnTimeout(null, phaseTimeout.toMillis(), TimeUnit.MILLISECONDS)
                .whenComplete((v, e) -> callback.run());
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    /** Just before Spring's graceful shutdown of the web server (phases stop from the highest down). */
    @Override
    public int getPhase() {
        return WebServerApplicationContext.GRACEFUL_SHUTDOWN_PHASE + 1;
    }
}
