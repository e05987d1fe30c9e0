package org.closepolicy.dropwizard;

import static org.assertj.core.api.Assertions.assertThat;

import io.dropwizard.core.Configuration;
import io.dropwizard.testing.DropwizardTestSupport;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.closepolicy.DrainReport;
import org.closepolicy.jetty.ClosePolicyConnector;
import org.closepolicy.testkit.HttpResult;
import org.closepolicy.testkit.RawHttpClient;
import org.junit.jupiter.api.Test;

/**
 * Dropwizard's stop (Jetty's graceful stop within {@code shutdownGracePeriod}) drains a {@code closepolicy-http}
 * connector: an idle keep-alive connection is closed by the policy's idle retirement, not cut when Jetty stops.
 */
class DropwizardStopDrainsTheConnectorTest {

    @Test
    void anIdleKeepAliveConnectionIsRetiredByTheDrainWhenDropwizardStops() throws Exception {
        DropwizardTestSupport<Configuration> app = SampleApp.withPolicy("keep-alive");
        app.before();
        ClosePolicyConnector connector;
        RawHttpClient.Exchange idle;
        try {
            connector = app.<SampleApp>getApplication().connector();
            idle = RawHttpClient.builder(new InetSocketAddress("127.0.0.1", app.getLocalPort()))
                    .path("/small")
                    .keepAlive(true)
                    .closeStyle(RawHttpClient.CloseStyle.NEVER_CLOSE)
                    .holdTimeout(Duration.ofSeconds(60))
                    .deadline(Duration.ofSeconds(90))
                    .build()
                    .start();
            HttpResult response = idle.response().get(30, TimeUnit.SECONDS);
            assertThat(response.status()).as("%s", response).isEqualTo(200);
            assertThat(response.headers().hasToken("Connection", "close")).isFalse();
        } finally {
            app.after();
        }

        DrainReport report = connector.drain(Duration.ZERO).get(30, TimeUnit.SECONDS);
        HttpResult whole = idle.await(Duration.ofSeconds(30));
        System.out.println("Dropwizard stop: " + report);
        assertThat(report.connectionsAtStart()).as("%s", report).isEqualTo(1);
        assertThat(report.idleClosed()).as("%s", report).isEqualTo(1);
        assertThat(report.cutAtDeadline()).as("%s", report).isZero();
        assertThat(whole.serverClosed() || whole.resetSeen()).as("the server ended the held connection: %s", whole).isTrue();
    }
}
