package org.closepolicy.spring;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.MeterRegistry;
import java.net.InetSocketAddress;
import org.closepolicy.testkit.HttpResult;
import org.closepolicy.testkit.RawHttpClient;
import org.closepolicy.testkit.TimeWaitCounter;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;

/** The checks every server runs with {@code closepolicy.policy=client-first}. */
abstract class ClientFirstChecks {

    @LocalServerPort
    int port;

    @Autowired
    ClosePolicyServers servers;

    /** {@code jetty} or {@code reactor-netty}. */
    abstract String kind();

    @Test
    void twoThousandOneRequestConnectionsLeaveAtMostOnePercentServerTimeWait() {
        Assumptions.assumeTrue(TimeWaitCounter.supported(), "needs the kernel's TCP table");
        int n = 2_000;
        TimeWaitCounter.Counts c = Servers.oneRequestConnections(port, n, null, Integer.MAX_VALUE);
        assertThat(c.serverSide()).isLessThanOrEqualTo(n / 100);
        assertThat(servers.servers()).extracting(ClosePolicyServers.InstalledServer::kind).containsExactly(kind());
    }

    @Test
    void aSlowReaderGetsTheWholeMegabyte() {
        Servers.slowReaderGetsWholeBody(port);
    }
}

/** Meters and the Actuator endpoint, for the contexts that have them. */
abstract class ClientFirstWithActuatorChecks extends ClientFirstChecks {

    @Autowired
    MeterRegistry registry;

    @Test
    void metersAreBoundToTheAdaptersOwnCounts() {
        HttpResult r = RawHttpClient.builder(new InetSocketAddress("127.0.0.1", port)).path("/small").build().send();
        assertThat(r.status()).isEqualTo(200);
        ClosePolicyServers.InstalledServer s = servers.servers().get(0);
        assertThat(registry.get("closepolicy.connections.opened").tag("server", kind()).functionCounter().count())
                .isEqualTo((double) s.stats().opened())
                .isPositive();
    }

    @Test
    void theActuatorEndpointShowsPolicyStatsAndKernelView() {
        HttpResult r = RawHttpClient.builder(new InetSocketAddress("127.0.0.1", port))
                .path("/actuator/closepolicy")
                .keepBody(true)
                .build()
                .send();
        assertThat(r.status()).as("%s", r).isEqualTo(200);
        assertThat(r.bodyText())
                .contains("\"server\":\"" + kind() + "\"")
                .contains("\"policy\":\"" + servers.servers().get(0).policy().toSpec() + "\"")
                .contains("\"whoClosed\"")
                .contains("\"port\":" + port);
        if (TimeWaitCounter.supported()) {
            assertThat(r.bodyText()).contains("\"serverTimeWait\":");
        }
    }
}
