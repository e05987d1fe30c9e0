package org.closepolicy.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.closepolicy.DrainReport;
import org.closepolicy.WhoClosed;
import org.closepolicy.testkit.DeterministicBytes;
import org.closepolicy.testkit.HttpResult;
import org.closepolicy.testkit.KeepAliveClients;
import org.closepolicy.testkit.RawHttpClient;
import org.closepolicy.testkit.TimeWaitCounter;
import org.junit.jupiter.api.Test;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * {@code server.shutdown=graceful} drains every connection the policy's way when the context closes, on Reactor
 * Netty and on Jetty: keep-alive clients with requests in flight each get their whole last response with
 * {@code Connection: close} and close first (no server TIME_WAIT), idle keep-alive connections are closed by the
 * policy's idle retirement after {@code closepolicy.drain-idle-grace}, and the drain report counts them. {@code server.shutdown=immediate} changes nothing.
 */
class GracefulShutdownDrainsEveryConnectionTest {

    private static final int BUSY = 20;
    private static final int IDLE = 5;

    @Test
    void webFluxOnReactorNettyDrainsWhenTheContextCloses() throws Exception {
        drainsWhenTheContextCloses("reactor-netty", Servers.REACTIVE, Servers.NO_JETTY_REACTIVE);
    }

    @Test
    void mvcOnJettyDrainsWhenTheContextCloses() throws Exception {
        drainsWhenTheContextCloses("jetty", Servers.SERVLET);
    }

    @Test
    void immediateShutdownDoesNotDrain() {
        ConfigurableApplicationContext ctx = start("server.shutdown=immediate", Servers.REACTIVE, Servers.NO_JETTY_REACTIVE);
        ClosePolicyServers servers = ctx.getBean(ClosePolicyServers.class);
        HttpResult r = RawHttpClient.builder(new InetSocketAddress("127.0.0.1", port(ctx))).path("/small").build().send();
        assertThat(r.status()).isEqualTo(200);
        ctx.close();
        assertThat(servers.servers()).singleElement().satisfies(s -> {
            assertThat(s.drainsAtShutdown()).isFalse();
            assertThat(s.lastDrain()).isNull();
        });
    }

    private static void drainsWhenTheContextCloses(String kind, String... serverProperties) throws Exception {
        ConfigurableApplicationContext ctx = start(serverProperties);
        int port = port(ctx);
        TimeWaitCounter.Since timeWait = TimeWaitCounter.since(port); // before the first connection
        ClosePolicyServers servers = ctx.getBean(ClosePolicyServers.class);
        InetSocketAddress address = new InetSocketAddress("127.0.0.1", port);
        RawHttpClient.Exchange[] idle = new RawHttpClient.Exchange[IDLE];
        for (int i = 0; i < IDLE; i++) {
            idle[i] = RawHttpClient.builder(address).keepAlive(true).path("/small")
                    .closeStyle(RawHttpClient.CloseStyle.NEVER_CLOSE).holdTimeout(Duration.ofSeconds(30)).build().start();
        }
        for (RawHttpClient.Exchange x : idle) {
            assertThat(x.response().get(10, TimeUnit.SECONDS).status()).isEqualTo(200);
        }
        KeepAliveClients busy = KeepAliveClients.start(address, BUSY, "/slow", SampleApp.SMALL, false);
        await().atMost(Duration.ofSeconds(30)).until(() -> busy.ok() >= 3L * BUSY);

        ctx.close(); // Spring's graceful shutdown

        KeepAliveClients.Result r = busy.awaitEnd(Duration.ofSeconds(10));
        ClosePolicyServers.InstalledServer server = servers.servers().get(0);
        DrainReport report = server.lastDrain();
        System.out.println(kind + " graceful shutdown, " + BUSY + " busy + " + IDLE + " idle keep-alive connections: "
                + report + " clients " + r);
        assertThat(server.kind()).isEqualTo(kind);
        assertThat(r.failed()).as("%s", r).isZero();
        assertThat(r.retiredByServer()).as("every in-flight response carried Connection: close: %s", r).isEqualTo(BUSY);
        for (RawHttpClient.Exchange x : idle) {
            assertThat(x.await(Duration.ofSeconds(10)).bodySha256()).isEqualTo(DeterministicBytes.sha256Hex(SampleApp.SMALL));
        }
        assertThat(report).as("the drain report").isNotNull();
        assertThat(report.connections()).as("%s", report).isEqualTo(BUSY + IDLE);
        assertThat(report.announced()).as("%s", report).isEqualTo(BUSY);
        assertThat(report.idleClosed()).as("%s", report).isEqualTo(IDLE);
        assertThat(report.cutAtDeadline() + report.stillOpen()).as("%s", report).isZero();
        assertThat(report.byWhoClosed().get(WhoClosed.REMOTE_FIN)).as("%s", report).isEqualTo(BUSY);
        assertThat(report.serverTimeWait()).as("%s", report).isZero();
        if (TimeWaitCounter.supported()) {
            assertThat(timeWait.count().serverSide()).as("server TIME_WAIT on port %d", port).isZero();
        }
    }

    private static ConfigurableApplicationContext start(String... serverProperties) {
        return new SpringApplicationBuilder(SampleApp.class)
                .properties(serverProperties)
                .properties("server.port=0",
                        "closepolicy.policy=keep-alive",
                        "spring.lifecycle.timeout-per-shutdown-phase=10s",
                        // A busy client's pause between a response and its next request is a few ms, but it passed
                        // 1 s (the default grace) on an overloaded 2-core host with cold code, and its next request
                        // then crossed the idle close: the grace is what a user sets above their clients' pauses.
                        "closepolicy.drain-idle-grace=3s")
                .run();
    }

    private static int port(ConfigurableApplicationContext ctx) {
        return ((WebServerApplicationContext) ctx).getWebServer().getPort();
    }
}
