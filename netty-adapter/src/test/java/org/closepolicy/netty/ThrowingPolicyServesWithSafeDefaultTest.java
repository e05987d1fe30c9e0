package org.closepolicy.netty;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.closepolicy.CloseEvent;
import org.closepolicy.CloseMode;
import org.closepolicy.ClosePolicy;
import org.closepolicy.Closer;
import org.closepolicy.RetireReason;
import org.closepolicy.testkit.HttpResult;
import org.closepolicy.testkit.RawHttpClient;
import org.junit.jupiter.api.Test;

/**
 * A policy that throws (or returns null) never breaks a connection: the request is served and the
 * connection closed with the safe default (server-first lingering close); the failure is counted and
 * logged once by the guard.
 */
class ThrowingPolicyServesWithSafeDefaultTest {

    @Test
    void throwingPolicy() {
        check((view, now) -> {
            throw new IllegalStateException("broken policy");
        });
    }

    @Test
    void nullReturningPolicy() {
        check((view, now) -> null);
    }

    private static void check(ClosePolicy broken) {
        PrintStream originalErr = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try (TestServer server = TestServer.aggregating(TestServer.Kind.NIO, broken, p -> p.addLast(new Apps.Fixed(Apps.SMALL)))) {
            RawHttpClient curl = RawHttpClient.builder(server.address()).build();
            for (int i = 0; i < 10; i++) {
                HttpResult r = curl.send();
                assertThat(r.ok()).as("%s", r).isTrue();
                assertThat(r.headers().first("Connection")).contains("close");
            }
            for (CloseEvent e : server.events.awaitAtLeast(10, Duration.ofSeconds(10))) {
                assertThat(e.retireReason()).as("%s", e).isEqualTo(RetireReason.POLICY_ERROR);
                assertThat(e.plannedCloser()).isEqualTo(Closer.SERVER_FIRST);
                assertThat(e.plannedMode()).isEqualTo(CloseMode.LINGER);
                assertThat(e.requestsServed()).isEqualTo(1);
            }
            assertThat(server.closePolicy.stats().retireReason(RetireReason.POLICY_ERROR)).isGreaterThanOrEqualTo(10);
        } finally {
            System.setErr(originalErr);
        }
        String log = captured.toString(StandardCharsets.UTF_8);
        long lines = log.lines().filter(l -> l.contains("applying the safe default")).count();
        assertThat(lines).as("log:%n%s", log).isEqualTo(1);
    }
}
