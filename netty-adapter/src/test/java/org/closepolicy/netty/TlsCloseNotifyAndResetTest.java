package org.closepolicy.netty;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.closepolicy.CloseEvent;
import org.closepolicy.CloseMode;
import org.closepolicy.ClosePolicies;
import org.closepolicy.ClosePolicy;
import org.closepolicy.FallbackReason;
import org.closepolicy.Preset;
import org.closepolicy.WhoClosed;
import org.closepolicy.testkit.DeterministicBytes;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * How the server ends a TLS connection it closes: a FIN (server-fin) and lingering (shutdownOutput) send
 * {@code close_notify} first, so the client sees a clean TLS close; an RST sends none (it would be discarded), and
 * runs only once every TLS byte of the response is acknowledged, so the response still arrives whole.
 */
class TlsCloseNotifyAndResetTest {

    @ParameterizedTest
    @EnumSource(value = Preset.class, names = {"SERVER_FIN", "LINGERING"})
    void serverCloseSendsCloseNotifyBeforeTheFin(Preset preset) throws Exception {
        try (TestServer server = TestServer.tls(TestServer.Kind.NIO, ClosePolicies.of(preset), p -> p.addLast(new Apps.Fixed(Apps.SMALL)))) {
            TlsHttpClient.Result r = TlsHttpClient.curlLike(SelfSignedTls.get().client(), server.address()).readingToEof().send("/");
            assertThat(r.bodySha256()).isEqualTo(DeterministicBytes.sha256Hex(Apps.SMALL));
            assertThat(r.connection()).isEqualTo("close");
            assertThat(r.end()).as("%s", r).isEqualTo(TlsHttpClient.End.CLOSE_NOTIFY);
            CloseEvent e = server.events.awaitOne(Duration.ofSeconds(10));
            if (preset == Preset.LINGERING) {
                assertThat(e.usedMode()).as("%s", e).isEqualTo(CloseMode.LINGER);
            } else {
                // A FIN once every byte is acknowledged; else it lingers, since the client's close_notify would reset it.
                assertThat(e.usedMode()).as("%s", e).isIn(CloseMode.FIN, CloseMode.LINGER);
            }
            assertThat(e.whoClosed()).isEqualTo(WhoClosed.LOCAL_FIN);
        }
    }

    @Test
    void ackCheckedResetSendsNoCloseNotifyAndLosesNoByte() throws Exception {
        int size = 1_000_000;
        ClosePolicy policy = ClosePolicy.builder(Preset.SAFE_RESET).clientWait(Duration.ofMillis(300)).build();
        try (TestServer server = TestServer.tls(TestServer.Kind.NIO, policy, p -> p.addLast(new Apps.Fixed(size)))) {
            // Reads the whole body, then waits for the server without closing: the client wait runs out.
            TlsHttpClient.Result r = TlsHttpClient.curlLike(SelfSignedTls.get().client(), server.address()).readingToEof().send("/");
            assertThat(r.bodyLength()).isEqualTo(size);
            assertThat(r.bodySha256()).isEqualTo(DeterministicBytes.sha256Hex(size));
            assertThat(r.end()).as("an RST, no close_notify: %s", r).isEqualTo(TlsHttpClient.End.TRUNCATED);
            CloseEvent e = server.events.awaitOne(Duration.ofSeconds(10));
            assertThat(e.fallbackReason()).as("%s", e).isEqualTo(FallbackReason.CLIENT_WAIT_EXPIRED);
            assertThat(e.usedMode()).as("%s", e).isEqualTo(CloseMode.RST);
            assertThat(e.whoClosed()).isEqualTo(WhoClosed.LOCAL_RST);
        }
    }
}
