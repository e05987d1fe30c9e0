package org.closepolicy.dropwizard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.dropwizard.core.Configuration;
import io.dropwizard.testing.ResourceHelpers;
import io.dropwizard.testing.junit5.DropwizardAppExtension;
import io.dropwizard.testing.junit5.DropwizardExtensionsSupport;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import org.closepolicy.RetireReason;
import org.closepolicy.jetty.ClosePolicyConnector;
import org.closepolicy.testkit.DeterministicBytes;
import org.closepolicy.testkit.HttpResult;
import org.closepolicy.testkit.RawHttpClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Dropwizard's own connector settings beside {@code policy} still apply on a {@code closepolicy-http} connector: the
 * HTTP configuration (request header size, Server header), bind host, idle timeout, threads, accept queue and the
 * connection metrics; and the policy's reuse decisions reach the HTTP configuration that Dropwizard wraps for its
 * metrics.
 */
@ExtendWith(DropwizardExtensionsSupport.class)
class DropwizardConnectorSettingsStillApplyTest {

    static final DropwizardAppExtension<Configuration> APP = new DropwizardAppExtension<>(SampleApp.class,
            ResourceHelpers.resourceFilePath("settings.yml"));

    private static RawHttpClient.Builder client() {
        return RawHttpClient.builder(new InetSocketAddress("127.0.0.1", APP.getLocalPort())).path("/small");
    }

    @Test
    void theRequestHeaderSizeAndServerHeaderOfTheConfigurationApply() {
        HttpResult small = client().header("X-Padding", "a".repeat(1_000)).build().send();
        assertThat(small.status()).as("%s", small).isEqualTo(200);
        assertThat(small.bodySha256()).isEqualTo(DeterministicBytes.sha256Hex(SampleApp.SMALL));
        assertThat(small.headers().contains("Server")).as("useServerHeader: true").isTrue();

        HttpResult large = client().header("X-Padding", "a".repeat(3_000)).build().send();
        assertThat(large.status()).as("maxRequestHeaderSize: 2KiB, %s", large).isEqualTo(431);
    }

    @Test
    void theConnectorCarriesDropwizardsSettings() {
        ClosePolicyConnector connector = APP.<SampleApp>getApplication().connector();
        assertThat(connector.getHost()).isEqualTo("127.0.0.1");
        assertThat(connector.getIdleTimeout()).isEqualTo(20_000);
        assertThat(connector.getAcceptors()).isEqualTo(1);
        assertThat(connector.getSelectorManager().getSelectorCount()).isEqualTo(2);
        assertThat(connector.getAcceptQueueSize()).isEqualTo(64);
        assertThat(connector.getName()).isEqualTo("application");
        assertThat(connector.getExecutor()).isSameAs(connector.getServer().getThreadPool());
    }

    @Test
    void thePolicyRetiresAfterMaxRequestsThroughDropwizardsInstrumentedFactory() {
        ClosePolicyConnector connector = APP.<SampleApp>getApplication().connector();
        long retiredBefore = connector.stats().retireReason(RetireReason.MAX_REQUESTS);

        List<HttpResult> rs = client().build().pipeline(2);

        assertThat(rs).allSatisfy(r -> assertThat(r.status()).as("%s", r).isEqualTo(200));
        assertThat(rs.get(0).headers().hasToken("Connection", "close")).isFalse();
        assertThat(rs.get(1).headers().hasToken("Connection", "close")).as("reuse.max-requests=2").isTrue();
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                assertThat(connector.stats().retireReason(RetireReason.MAX_REQUESTS)).isEqualTo(retiredBefore + 1));
    }

    @Test
    void dropwizardsConnectionMetricsStillCount() {
        client().build().send();
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            long connections = APP.getEnvironment().metrics().getTimers().entrySet().stream()
                    .filter(e -> e.getKey().endsWith(".connections") && e.getKey().contains("HttpConnectionFactory"))
                    .mapToLong(e -> e.getValue().getCount())
                    .sum();
            assertThat(connections).isPositive();
        });
    }
}
