package org.closepolicy.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.time.Duration;
import org.closepolicy.CloseStats;
import org.closepolicy.FallbackReason;
import org.closepolicy.RetireReason;
import org.closepolicy.testkit.HttpResult;
import org.closepolicy.testkit.RawHttpClient;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;

@SpringBootTest(classes = SampleApp.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        Servers.REACTIVE, Servers.NO_JETTY_REACTIVE,
        "closepolicy.policy=client-first",
        "server.netty.idle-timeout=1s",
        "management.endpoints.web.exposure.include=closepolicy"})
class WebFluxOnReactorNettyClientFirstTest extends ClientFirstWithActuatorChecks {

    @Override
    String kind() {
        return "reactor-netty";
    }

    /**
     * {@code server.netty.idle-timeout} (1 s) is shorter than the client-first wait (2 s): Reactor's idle close is
     * handed to the policy, which keeps waiting for the client and then falls back as it says.
     */
    @Test
    void reactorsIdleTimeoutDoesNotCutTheClientFirstWait() throws Exception {
        CloseStats stats = servers.servers().get(0).stats();
        long before = stats.fallback(FallbackReason.CLIENT_WAIT_EXPIRED);
        RawHttpClient.Exchange ex = RawHttpClient.builder(new InetSocketAddress("127.0.0.1", port))
                .path("/small")
                .closeStyle(RawHttpClient.CloseStyle.NEVER_CLOSE)
                .build()
                .start();
        HttpResult r = ex.await(Duration.ofSeconds(30));
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.bodyLength()).isEqualTo(SampleApp.SMALL);
        await().atMost(Duration.ofSeconds(10))
                .untilAsserted(() -> assertThat(stats.fallback(FallbackReason.CLIENT_WAIT_EXPIRED)).isEqualTo(before + 1));
    }

    /** A connection that sends nothing is closed by Reactor's idle timeout through the policy, counted as an idle timeout. */
    @Test
    void reactorsIdleCloseIsCountedAsAnIdleTimeout() throws Exception {
        CloseStats stats = servers.servers().get(0).stats();
        long idleBefore = stats.retireReason(RetireReason.IDLE_TIMEOUT);
        long applicationBefore = stats.retireReason(RetireReason.APPLICATION);
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(20_000); // the server's idle timeout (1 s) ends the read long before
            try {
                assertThat(s.getInputStream().read()).isEqualTo(-1);
            } catch (SocketException reset) {
                // an RST once every byte is acknowledged is the policy's way too
            }
        }
        await().atMost(Duration.ofSeconds(10))
                .untilAsserted(() -> assertThat(stats.retireReason(RetireReason.IDLE_TIMEOUT)).isEqualTo(idleBefore + 1));
        assertThat(stats.retireReason(RetireReason.APPLICATION)).isEqualTo(applicationBefore);
    }
}
