package org.closepolicy.reactor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import org.closepolicy.ClosePolicy;
import org.closepolicy.RetireReason;
import org.closepolicy.testkit.HttpResult;
import org.closepolicy.testkit.RawHttpClient;
import org.junit.jupiter.api.Test;

/**
 * Reactor's idle-timeout handler sits between the codec and the policy handler and closes with {@code ctx.close()}:
 * the guard hands that close to the policy, so the connection is retired and closed the policy's way, and the
 * statistics say why: an idle timeout.
 */
class ReactorIdleTimeoutFollowsPolicyTest {

    @Test
    void reactorsIdleCloseIsARetirementByThePolicy() {
        try (ReactorServer server = new ReactorServer(ClosePolicy.parse("keep-alive, reuse.idle-timeout=1h"),
                s -> s.idleTimeout(Duration.ofMillis(300)))) {
            List<HttpResult> results = RawHttpClient.builder(server.address())
                    .closeStyle(RawHttpClient.CloseStyle.NEVER_CLOSE)
                    .build()
                    .sequence(List.of("/a"));
            assertThat(results.get(0).status()).isEqualTo(200);
            assertThat(results.get(0).bodyLength()).isEqualTo(ReactorServer.SMALL);
            // keep-alive retires an idle connection unannounced: the server ends it (an RST once every byte is acknowledged)
            assertThat(results.get(0).serverClosed() || results.get(0).resetSeen()).as("%s", results.get(0)).isTrue();
            await().atMost(Duration.ofSeconds(10)).until(() -> server.closePolicy.stats().closed() == 1);
            // Without the guard Reactor's close bypasses the policy: nothing is retired.
            assertThat(server.closePolicy.stats().retired()).isEqualTo(1);
            assertThat(server.closePolicy.stats().retireReason(RetireReason.IDLE_TIMEOUT)).as(server.closePolicy.stats().toJson())
                    .isEqualTo(1);
            assertThat(server.closePolicy.stats().retireReason(RetireReason.APPLICATION)).isZero();
        }
    }
}
