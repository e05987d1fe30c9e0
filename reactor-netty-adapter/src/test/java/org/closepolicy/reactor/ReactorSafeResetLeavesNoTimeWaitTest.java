package org.closepolicy.reactor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import org.closepolicy.ClosePolicies;
import org.closepolicy.testkit.DeterministicBytes;
import org.closepolicy.testkit.OneRequestLoad;
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
            TimeWaitCounter.Since timeWait = TimeWaitCounter.since(server.port()); // before the first connection
            OneRequestLoad.run(RawHttpClient.builder(server.address()).build(), n, DeterministicBytes.sha256Hex(ReactorServer.SMALL));
            await().atMost(Duration.ofSeconds(20)).until(() -> server.closePolicy.stats().closed() == n);
            TimeWaitCounter.Counts c = timeWait.count();
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
            TimeWaitCounter.Since timeWait = TimeWaitCounter.since(server.port()); // before the first connection
            OneRequestLoad.run(RawHttpClient.builder(server.address())
                            .tls(cert.clientContext().getSocketFactory()).build(), n, DeterministicBytes.sha256Hex(ReactorServer.SMALL));
            await().atMost(Duration.ofSeconds(20)).until(() -> server.closePolicy.stats().closed() == n);
            TimeWaitCounter.Counts c = timeWait.count();
            System.out.println("reactor tls safe-reset: " + c + " " + server.closePolicy.stats().toJson());
            assertThat(c.serverSide()).isLessThanOrEqualTo(n / 100);
            assertThat(c.clientSide()).isLessThanOrEqualTo(n / 100);
        }
    }
}
