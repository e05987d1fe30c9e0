package org.closepolicy.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.closepolicy.jetty.ClosePolicyConnector;
import org.closepolicy.testkit.RawHttpClient;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.NetworkConnectionLimit;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;
import org.junit.jupiter.api.Test;

/** The customizer on a server built the way Spring Boot builds it (connector, then the max-connections limit). */
class JettyClosePolicyCustomizerCarriesOverConnectorsTest {

    @Test
    void settingsAndTheConnectionLimitCarryOver() throws Exception {
        Server server = new Server();
        HttpConfiguration config = new HttpConfiguration();
        ServerConnector old = new ServerConnector(server, null, null, null, 1, 1, new HttpConnectionFactory(config));
        old.setHost("127.0.0.1");
        old.setPort(0);
        old.setIdleTimeout(12_345);
        old.setAcceptQueueSize(77);
        server.setConnectors(new Connector[] {old});
        server.addBean(new NetworkConnectionLimit(1, server.getConnectors()));
        server.setHandler(new Handler.Abstract() {
            @Override
            public boolean handle(Request request, Response response, Callback callback) {
                response.getHeaders().put("Content-Length", "2");
                response.write(true, java.nio.ByteBuffer.wrap("ok".getBytes()), callback);
                return true;
            }
        });
        ClosePolicyServers servers = new ClosePolicyServers(properties("keep-alive"));
        new JettyClosePolicyCustomizer(servers).customize(server);
        server.start();
        try {
            assertThat(server.getConnectors()).hasSize(1);
            ClosePolicyConnector c = (ClosePolicyConnector) server.getConnectors()[0];
            assertThat(c.getHost()).isEqualTo("127.0.0.1");
            assertThat(c.getIdleTimeout()).isEqualTo(12_345);
            assertThat(c.getAcceptQueueSize()).isEqualTo(77);
            assertThat(c.getAcceptors()).isEqualTo(1);
            assertThat(c.getConnectionFactory(HttpConnectionFactory.class).getHttpConfiguration()).isSameAs(config);
            NetworkConnectionLimit limit = server.getBean(NetworkConnectionLimit.class);
            assertThat(limit.getMaxNetworkConnectionCount()).isEqualTo(1);

            RawHttpClient.Exchange first = RawHttpClient.builder(new InetSocketAddress("127.0.0.1", c.getLocalPort()))
                    .closeStyle(RawHttpClient.CloseStyle.NEVER_CLOSE).build().start();
            assertThat(first.response().get(30, TimeUnit.SECONDS).status()).isEqualTo(200);
            await().atMost(Duration.ofSeconds(10)).until(() -> limit.getNetworkConnectionCount() == 1);
            first.release();
            await().atMost(Duration.ofSeconds(10)).until(() -> limit.getNetworkConnectionCount() == 0);
            assertThat(servers.servers()).hasSize(1);
        } finally {
            server.stop();
        }
    }

    static ClosePolicyProperties properties(String spec) {
        ClosePolicyProperties p = new ClosePolicyProperties();
        p.setPolicy(spec);
        return p;
    }
}
