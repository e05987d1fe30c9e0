package org.closepolicy.jetty;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.javalin.Javalin;
import java.net.InetSocketAddress;
import java.time.Duration;
import org.closepolicy.ClosePolicies;
import org.closepolicy.testkit.DeterministicBytes;
import org.closepolicy.testkit.LoadResult;
import org.closepolicy.testkit.LoadRunner;
import org.closepolicy.testkit.RawHttpClient;
import org.closepolicy.testkit.TimeWaitCounter;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/** The README's Javalin 7 recipe: {@code config.jetty.addConnector} with a {@link ClosePolicyConnector}. */
class JavalinRecipeLeavesNoServerTimeWaitTest {

    private static final int SIZE = 1_900;

    @Test
    void javalinWithTheClosePolicyConnectorLeavesTimeWaitWithTheClient() {
        Assumptions.assumeTrue(TimeWaitCounter.supported(), "needs the kernel's TCP table");
        byte[] body = DeterministicBytes.generate(SIZE);
        Javalin app = Javalin.create(config -> {
            config.jetty.addConnector((server, httpConfig) -> {
                ClosePolicyConnector connector = new ClosePolicyConnector(server, ClosePolicies.clientFirst(),
                        new HttpConnectionFactory(httpConfig));
                connector.setHost("127.0.0.1");
                connector.setPort(0);
                return connector;
            });
            config.routes.get("/small", ctx -> ctx.result(body));
        }).start();
        try {
            int port = app.port();
            TimeWaitCounter.Since timeWait = TimeWaitCounter.since(port); // before the first connection
            int n = 500;
            LoadResult load = LoadRunner.builder(RawHttpClient.builder(new InetSocketAddress("127.0.0.1", port)).path("/small").build())
                    .requests(n)
                    .concurrency(4)
                    .deadline(Duration.ofSeconds(60))
                    .expectStatus(200)
                    .expectSha256(DeterministicBytes.sha256Hex(SIZE))
                    .build()
                    .run();
            assertThat(load.errors()).as("%s", load).isZero();
            assertThat(load.ok()).isEqualTo(n);
            ClosePolicyConnector connector = (ClosePolicyConnector) app.jettyServer().server().getConnectors()[0];
            await().atMost(Duration.ofSeconds(20)).until(() -> connector.stats().closed() == n);
            assertThat(timeWait.count().serverSide()).isLessThanOrEqualTo(n / 100);
        } finally {
            app.stop();
        }
    }
}
