package org.closepolicy.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.InetSocketAddress;
import java.time.Duration;
import org.closepolicy.ClosePolicies;
import org.closepolicy.DrainReport;
import org.closepolicy.StandardClosePolicy;
import org.closepolicy.testkit.KeepAliveClients;
import org.closepolicy.testkit.TimeWaitCounter;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A deploy on one port: keep-alive clients that always have a request in flight hammer the port while server A
 * stops (stop accepting, drain, stop) and server B, bound to the same port with SO_REUSEPORT, takes over. No request
 * fails, A's connections all retire by announcement and A's port keeps no TIME_WAIT from them.
 */
class ReplacementByReusePortLosesNoRequestTest {

    private static final int BODY = 4096;

    @ParameterizedTest
    @EnumSource(ServerKind.class)
    void clientsWithARequestAlwaysInFlightLoseNothingWhileAHandsOverToB(ServerKind kind) throws Exception {
        StandardClosePolicy policy = (StandardClosePolicy) ClosePolicies.keepAlive();
        ServerConfig first = new ServerConfig(kind, "127.0.0.1", 0, policy, "keep-alive", TransportKind.NIO, Duration.ofSeconds(10), true);
        try (ExampleServer a = ExampleServers.start(first)) {
            int port = a.port();
            TimeWaitCounter.Since timeWait = TimeWaitCounter.since(port); // before the first connection
            ServerConfig second = new ServerConfig(kind, "127.0.0.1", port, policy, "keep-alive", TransportKind.NIO, Duration.ofSeconds(10), true);
            try (ExampleServer b = ExampleServers.start(second)) {
                KeepAliveClients clients = KeepAliveClients.start(new InetSocketAddress("127.0.0.1", port), 20, "/bytes?n=" + BODY, BODY, true);
                await().atMost(Duration.ofSeconds(60)).until(() -> clients.ok() >= 2_000);

                a.stop(Duration.ofSeconds(10)); // stop accepting, drain, stop
                long afterA = clients.ok();
                await().atMost(Duration.ofSeconds(60)).until(() -> clients.ok() >= afterA + 2_000); // B serves everyone

                KeepAliveClients.Result r = clients.stop(Duration.ofSeconds(10));
                DrainReport report = a.drainReport();
                System.out.println(kind + " handover: A " + report + "; clients " + r);
                assertThat(r.failed()).as("%s", r).isZero();
                assertThat(report).isNotNull();
                assertThat(report.connections()).as("%s", report).isPositive();
                assertThat(report.announced() + report.closedOnTheirOwn()).as("%s", report).isEqualTo(report.connections());
                assertThat(report.cutAtDeadline() + report.stillOpen()).as("%s", report).isZero();
                assertThat(report.serverTimeWait()).as("%s", report).isZero();
                if (TimeWaitCounter.supported()) {
                    // B still holds its connections open (the clients closed them first), so any TIME_WAIT here is A's.
                    assertThat(timeWait.count().serverSide()).as("server TIME_WAIT on the port").isZero();
                }
            }
        }
    }
}
