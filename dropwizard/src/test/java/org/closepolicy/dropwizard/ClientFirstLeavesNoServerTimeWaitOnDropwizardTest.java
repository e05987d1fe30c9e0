package org.closepolicy.dropwizard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.dropwizard.core.Configuration;
import io.dropwizard.testing.ConfigOverride;
import io.dropwizard.testing.ResourceHelpers;
import io.dropwizard.testing.junit5.DropwizardAppExtension;
import io.dropwizard.testing.junit5.DropwizardExtensionsSupport;
import java.net.InetSocketAddress;
import java.time.Duration;
import org.closepolicy.ClosePolicies;
import org.closepolicy.WhoClosed;
import org.closepolicy.jetty.ClosePolicyConnector;
import org.closepolicy.testkit.DeterministicBytes;
import org.closepolicy.testkit.LoadResult;
import org.closepolicy.testkit.LoadRunner;
import org.closepolicy.testkit.RawHttpClient;
import org.closepolicy.testkit.TimeWaitCounter;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A Dropwizard application whose connector is {@code type: closepolicy-http} with {@code policy: client-first} (the
 * README's configuration, on free ports): 2,000 one-request connections ({@code Connection: close}) leave at most 1 %
 * of them in TIME_WAIT on the server, every client closes first, and every body arrives whole.
 */
@ExtendWith(DropwizardExtensionsSupport.class)
class ClientFirstLeavesNoServerTimeWaitOnDropwizardTest {

    private static final int CONNECTIONS = 2_000;

    static final DropwizardAppExtension<Configuration> APP = new DropwizardAppExtension<>(SampleApp.class,
            ResourceHelpers.resourceFilePath("client-first.yml"),
            ConfigOverride.config("server.applicationConnectors[0].port", "0"),
            ConfigOverride.config("server.adminConnectors[0].port", "0"));

    @Test
    void twoThousandOneRequestConnectionsLeaveAtMostOnePercentServerTimeWait() {
        Assumptions.assumeTrue(TimeWaitCounter.supported(), "needs the kernel's TCP table");
        int port = APP.getLocalPort();
        TimeWaitCounter.Since tw = TimeWaitCounter.since(port);
        ClosePolicyConnector connector = APP.<SampleApp>getApplication().connector();
        assertThat(connector.getLocalPort()).isEqualTo(port);
        assertThat(connector.policy().toSpec()).isEqualTo(ClosePolicies.clientFirst().toSpec());

        LoadResult load = LoadRunner.builder(RawHttpClient.builder(new InetSocketAddress("127.0.0.1", port))
                        .path("/small")
                        .connectionClose(true)
                        .build())
                .requests(CONNECTIONS)
                .concurrency(4)
                .deadline(Duration.ofSeconds(120))
                .expectStatus(200)
                .expectSha256(DeterministicBytes.sha256Hex(SampleApp.SMALL))
                .build()
                .run();

        assertThat(load.errors()).as("%s", load).isZero();
        assertThat(load.ok()).isEqualTo(CONNECTIONS);
        assertThat(load.bytesVerified()).isEqualTo((long) CONNECTIONS * SampleApp.SMALL);
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() ->
                assertThat(connector.stats().closed()).isGreaterThanOrEqualTo(CONNECTIONS));
        assertThat(connector.stats().whoClosed(WhoClosed.REMOTE_FIN)).as(connector.stats().toJson())
                .isGreaterThanOrEqualTo(CONNECTIONS - CONNECTIONS / 100);
        TimeWaitCounter.Counts counts = tw.count();
        System.out.println("Dropwizard client-first, " + CONNECTIONS + " connections: server TIME_WAIT " + counts.serverSide()
                + ", client TIME_WAIT " + counts.clientSide() + " (" + load + ")");
        assertThat(counts.serverSide()).as("server TIME_WAIT").isLessThanOrEqualTo(CONNECTIONS / 100);
    }
}
