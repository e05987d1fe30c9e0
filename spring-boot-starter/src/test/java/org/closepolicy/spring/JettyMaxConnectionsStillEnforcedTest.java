package org.closepolicy.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.closepolicy.jetty.ClosePolicyConnector;
import org.closepolicy.kernel.TcpEntry;
import org.closepolicy.kernel.TcpSnapshot;
import org.closepolicy.kernel.TcpState;
import org.closepolicy.kernel.TcpTable;
import org.closepolicy.testkit.HttpResult;
import org.closepolicy.testkit.RawHttpClient;
import org.eclipse.jetty.server.AbstractConnector;
import org.eclipse.jetty.server.NetworkConnectionLimit;
import org.eclipse.jetty.server.Server;
import org.junit.jupiter.api.Assumptions;
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
     * With one kept-alive connection open, a second client's connection waits, unaccepted, in the listening socket's
     * accept queue (the kernel's view: its length is the listener's {@code rx_queue}) and gets no response; once the
     * first connection closes, Jetty accepts and serves it.
     */
    @Test
    void aSecondConnectionWaitsUntilTheFirstCloses() throws Exception {
        Assumptions.assumeTrue(TcpTable.system().snapshot().supported(), "needs the kernel's TCP table");
        Server server = ((JettyWebServer) context.getWebServer()).getServer();
        assertThat(server.getConnectors()).hasSize(1).allMatch(c -> c instanceof ClosePolicyConnector);
        AbstractConnector connector = (AbstractConnector) server.getConnectors()[0];
        NetworkConnectionLimit limit = server.getBean(NetworkConnectionLimit.class);
        assertThat(limit).isNotNull();
        assertThat(limit.getMaxNetworkConnectionCount()).isEqualTo(1);
        assertThat(limit.isStarted()).isTrue();

        RawHttpClient.Builder b = RawHttpClient.builder(new InetSocketAddress("127.0.0.1", port))
                .path("/small")
                .closeStyle(RawHttpClient.CloseStyle.NEVER_CLOSE)
                .deadline(Duration.ofSeconds(60));
        RawHttpClient.Exchange first = b.build().start();
        RawHttpClient.Exchange second = null;
        try {
            assertThat(first.response().get(30, TimeUnit.SECONDS).status()).isEqualTo(200);
            await().atMost(Duration.ofSeconds(10)).until(() -> limit.getNetworkConnectionCount() == 1 && !connector.isAccepting());
            assertThat(acceptQueue()).isZero();

            second = b.build().start();
            await().atMost(Duration.ofSeconds(10)).until(() -> acceptQueue() == 1);
            assertThat(limit.getNetworkConnectionCount()).isEqualTo(1);
            assertThat(second.response()).isNotDone();

            first.release();
            HttpResult r = second.response().get(30, TimeUnit.SECONDS);
            assertThat(r.status()).as("%s", r).isEqualTo(200);
            assertThat(r.bodyLength()).isEqualTo(SampleApp.SMALL);
            assertThat(acceptQueue()).isZero();
        } finally {
            first.release();
            if (second != null) {
                second.release();
            }
        }
    }

    /** Connections the kernel completed on the server's port that Jetty has not accepted. */
    private long acceptQueue() {
        TcpSnapshot s = TcpTable.system().snapshot();
        return s.entries().stream()
                .filter(e -> e.state() == TcpState.LISTEN && e.local().getPort() == port)
                .mapToLong(TcpEntry::rxQueue)
                .sum();
    }
}
