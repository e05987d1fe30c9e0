package org.closepolicy.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.InetSocketAddress;
import java.time.Duration;
import org.closepolicy.jetty.ClosePolicyConnector;
import org.closepolicy.testkit.HttpResult;
import org.closepolicy.testkit.RawHttpClient;
import org.eclipse.jetty.server.Connector;
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

    @Test
    void aSecondConnectionWaitsUntilTheFirstCloses() throws Exception {
        Connector[] connectors = ((JettyWebServer) context.getWebServer()).getServer().getConnectors();
        assertThat(connectors).hasSize(1).allMatch(c -> c instanceof ClosePolicyConnector);

        RawHttpClient.Builder b = RawHttpClient.builder(new InetSocketAddress("127.0.0.1", port))
                .path("/small")
                .closeStyle(RawHttpClient.CloseStyle.NEVER_CLOSE)
                .deadline(Duration.ofSeconds(60));
        RawHttpClient.Exchange first = b.build().start();
        assertThat(first.response().get().status()).isEqualTo(200);

        RawHttpClient.Exchange second = b.build().start();
        await().during(Duration.ofMillis(1_000)).atMost(Duration.ofSeconds(5))
                .until(() -> !second.response().isDone());

        first.release();
        HttpResult r = second.response().get(30, java.util.concurrent.TimeUnit.SECONDS);
        assertThat(r.status()).isEqualTo(200);
        second.release();
    }
}
