package org.closepolicy.spring;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.springframework.boot.web.server.context.WebServerApplicationContext;

/**
 * The drain's deadline leaves time in Spring's shutdown phase for its report (made about a second after the
 * deadline), and the drain runs in the phase just before Spring's own graceful shutdown.
 */
class GracefulDrainEndsWithinTheShutdownPhaseTest {

    private static Duration drainTimeout(Duration phase) {
        return new ClosePolicyGracefulDrain(new ClosePolicyServers(new ClosePolicyProperties()), phase, null).drainTimeout();
    }

    @Test
    void theDrainKeepsUpToTwoSecondsOfThePhaseForItsReport() {
        assertThat(drainTimeout(Duration.ofSeconds(30))).isEqualTo(Duration.ofSeconds(28));
        assertThat(drainTimeout(Duration.ofSeconds(10))).isEqualTo(Duration.ofSeconds(8));
        assertThat(drainTimeout(Duration.ofSeconds(2))).isEqualTo(Duration.ofMillis(1_500));
        assertThat(drainTimeout(Duration.ZERO)).isEqualTo(Duration.ZERO);
    }

    @Test
    void itStopsJustBeforeSpringsGracefulShutdown() {
        ClosePolicyGracefulDrain drain = new ClosePolicyGracefulDrain(
                new ClosePolicyServers(new ClosePolicyProperties()), Duration.ofSeconds(30), null);
        // Phases stop from the highest down.
        assertThat(drain.getPhase()).isGreaterThan(WebServerApplicationContext.GRACEFUL_SHUTDOWN_PHASE);
        assertThat(drain.getPhase() - 1).isEqualTo(WebServerApplicationContext.GRACEFUL_SHUTDOWN_PHASE);
    }

    @Test
    void withNoServerToDrainThePhaseEndsAtOnce() {
        ClosePolicyGracefulDrain drain = new ClosePolicyGracefulDrain(
                new ClosePolicyServers(new ClosePolicyProperties()), Duration.ofSeconds(30), null);
        drain.start();
        boolean[] called = {false};
        drain.stop(() -> called[0] = true);
        assertThat(called[0]).isTrue();
        assertThat(drain.isRunning()).isFalse();
    }
}
