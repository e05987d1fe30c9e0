package org.closepolicy.reactor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import org.closepolicy.CloseMode;
import org.closepolicy.ClosePolicies;
import org.closepolicy.testkit.DeterministicBytes;
import org.closepolicy.testkit.OneRequestLoad;
import org.closepolicy.testkit.RawHttpClient;
import org.closepolicy.testkit.SelfSignedCertificate;
import org.closepolicy.testkit.TimeWaitCounter;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import reactor.netty.http.Http11SslContextSpec;

/** Safe-reset on Reactor Netty: the RST in reply to the client's FIN leaves TIME_WAIT on neither side. */
class ReactorSafeResetLeavesNoTimeWaitTest {

    @Test
    void oneRequestConnectionsLeaveNoTimeWaitOnEitherSide() {
        Assumptions.assumeTrue(TimeWaitCounter.supported(), "needs the kernel's TCP table");
        int n = 200;
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
     * Over TLS the server's engine answers the client's {@code close_notify} with its own while the client's FIN is
     * read (the JDK client sends both at once): that answer must not read as an unacknowledged response, or the RST
     * becomes a FIN and the client keeps TIME_WAIT.
     */
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
            String seen = c + " " + server.closePolicy.stats().toJson();
            assertThat(server.closePolicy.stats().usedMode(CloseMode.RST)).as(seen).isGreaterThanOrEqualTo(n - n / 100);
            assertThat(c.serverSide()).as(seen).isLessThanOrEqualTo(n / 100);
            assertThat(c.clientSide()).as(seen).isLessThanOrEqualTo(n / 100);
        }
    }
}
