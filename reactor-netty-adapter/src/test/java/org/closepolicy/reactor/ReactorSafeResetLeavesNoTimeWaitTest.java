package org.closepolicy.reactor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import org.closepolicy.ClosePolicies;
import org.closepolicy.testkit.DeterministicBytes;
import org.closepolicy.testkit.LoadResult;
import org.closepolicy.testkit.LoadRunner;
import org.closepolicy.testkit.RawHttpClient;
import org.closepolicy.testkit.SelfSignedCertificate;
import org.closepolicy.testkit.TimeWaitCounter;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Disabled;
import org.junit.jupiter.api.Test;
import reactor.netty.http.Http11SslContextSpec;

/** Safe-reset on Reactor Netty: the RST in reply to the client's FIN leaves TIME_WAIT on neither side. */
class ReactorSafeResetLeavesNoTimeWaitTest {

    @Test
    void oneRequestConnectionsLeaveNoTimeWaitOnEitherSide() {
        Assumptions.assumeTrue(TimeWaitCounter.supported(), "needs the kernel's TCP table");
        int n = 500;
        try (ReactorServer server = new ReactorServer(ClosePolicies.safeReset(), s -> s)) {
            LoadResult load = LoadRunner.builder(RawHttpClient.builder(server.address()).build())
                    .requests(n)
                    .concurrency(4)
                    .deadline(Duration.ofSeconds(60))
                    .expectStatus(200)
                    .expectSha256(DeterministicBytes.sha256Hex(ReactorServer.SMALL))
                    .build()
                    .run();
            assertThat(load.errors()).as("%s", load).isZero();
            await().atMost(Duration.ofSeconds(20)).until(() -> server.closePolicy.stats().closed() == n);
            TimeWaitCounter.Counts c = TimeWaitCounter.count(server.port());
            assertThat(c.serverSide()).as("%s", c).isLessThanOrEqualTo(n / 100);
            assertThat(c.clientSide()).as("%s", c).isLessThanOrEqualTo(n / 100);
        }
    }

    /**
     * Over TLS the server answers the client's {@code close_notify} with its own just before the client's FIN, so at
     * the FIN bytes are unacknowledged and rule 1 turns the RST into a FIN (fallback UNACKED_AT_PEER_FIN): the client
     * keeps TIME_WAIT. The plain Netty adapter does not see this; where the reply comes from in Reactor is open.
     */
    @Disabled("known gap: Reactor Netty over TLS, see the Javadoc")
    @Test
    void tlsOneRequestConnectionsLeaveNoTimeWaitOnEitherSide() {
        Assumptions.assumeTrue(TimeWaitCounter.supported(), "needs the kernel's TCP table");
        SelfSignedCertificate cert = SelfSignedCertificate.get();
        Http11SslContextSpec tls = Http11SslContextSpec.forServer(cert.keyManagerFactory());
        int n = 200;
        try (ReactorServer server = new ReactorServer(ClosePolicies.safeReset(), s -> s.secure(spec -> spec.sslContext(tls)))) {
            LoadResult load = LoadRunner.builder(RawHttpClient.builder(server.address())
                            .tls(cert.clientContext().getSocketFactory()).build())
                    .requests(n)
                    .concurrency(4)
                    .deadline(Duration.ofSeconds(60))
                    .expectStatus(200)
                    .expectSha256(DeterministicBytes.sha256Hex(ReactorServer.SMALL))
                    .build()
                    .run();
            assertThat(load.errors()).as("%s", load).isZero();
            await().atMost(Duration.ofSeconds(20)).until(() -> server.closePolicy.stats().closed() == n);
            TimeWaitCounter.Counts c = TimeWaitCounter.count(server.port());
            System.out.println("reactor tls safe-reset: " + c + " " + server.closePolicy.stats().toJson());
            assertThat(c.serverSide()).isLessThanOrEqualTo(n / 100);
            assertThat(c.clientSide()).isLessThanOrEqualTo(n / 100);
        }
    }
}
