package org.closepolicy.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.InetSocketAddress;
import java.time.Duration;
import org.closepolicy.jetty.ClosePolicyConnector;
import org.closepolicy.testkit.HttpResult;
import org.closepolicy.testkit.RawHttpClient;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.server.NetworkConnectionLimit;
import org.eclipse.jetty.server.Server;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.jetty.JettyWebServer;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.boot.web.server.context.WebServerApplicationContext;

/** {@code server.jetty.max-connections} is registered on the connectors Spring made; it must hold on ours. */
@SpringBootTest(classes = SampleApp.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        Servers.SERVLET,
        "closepolicy.policy=keep-alive",
        "server.jetty.max-connections=1"})
class JettyMaxConnectionsStillEnforcedTest {

    @LocalServerPort
    int port;

    @Autowired
    WebServerApplicationContext context;

    /**
     * The limit Spring registered counts the connections of the {@link ClosePolicyConnector} (so it throttles its
     * accepting). Whether a second connection then waits is Jetty's business: with an acceptor thread already blocked
     * in {@code accept()} Jetty may take one connection over the limit, with or without closepolicy.
     */
    @Test
    void theLimitCountsTheClosePolicyConnectorsConnections() throws Exception {
        Server server = ((JettyWebServer) context.getWebServer()).getServer();
        assertThat(server.getConnectors()).hasSize(1).allMatch(c -> c instanceof ClosePolicyConnector);
        NetworkConnectionLimit limit = server.getBean(NetworkConnectionLimit.class);
        assertThat(limit).isNotNull();
        assertThat(limit.getMaxNetworkConnectionCount()).isEqualTo(1);
        assertThat(limit.isStarted()).isTrue();

        RawHttpClient.Builder b = RawHttpClient.builder(new InetSocketAddress("127.0.0.1", port))
                .path("/small")
                .closeStyle(RawHttpClient.CloseStyle.NEVER_CLOSE)
                .deadline(Duration.ofSeconds(60));
        RawHttpClient.Exchange first = b.build().start();
        assertThat(first.response().get(30, TimeUnit.SECONDS).status()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(10)).until(() -> limit.getNetworkConnectionCount() == 1);

        first.release();
        await().atMost(Duration.ofSeconds(10)).until(() -> limit.getNetworkConnectionCount() == 0);
        RawHttpClient.Exchange second = b.build().start();
        HttpResult r = second.response().get(30, TimeUnit.SECONDS);
        assertThat(r.status()).isEqualTo(200);
        second.release();
    }
}
