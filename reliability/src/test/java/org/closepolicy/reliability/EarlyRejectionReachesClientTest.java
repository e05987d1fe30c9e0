package org.closepolicy.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.closepolicy.CloseEvent;
import org.closepolicy.ClosePolicy;
import org.closepolicy.testkit.Fds;
import org.closepolicy.testkit.HttpResult;
import org.closepolicy.testkit.RawHttpClient;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The classic "early 413 then close" failure (RFC 2525 §2.17): the server answers a 2 MB upload with 413 before
 * reading its body; closing over the unread body would make the kernel send an RST that can wipe the 413 from the
 * client's receive buffer. Under every mode (and with keep-alive) the 413 must reach the client whole, while the
 * client is still sending, and the connection must still end within its bound.
 */
class EarlyRejectionReachesClientTest {

    private static final int UPLOAD = 2_000_000;
    private static final int TRIES = Integer.getInteger("reliability.early413.tries", 5);

    static Stream<Arguments> cases() {
        return Stream.of(Adapter.values()).flatMap(a -> Stream.concat(
                Stream.of(Scenario.values()).map(s -> Arguments.of(a, s.preset(), s.policy(Duration.ofSeconds(5)))),
                Stream.of(Arguments.of(a, "keep-alive", ClosePolicy.parse("keep-alive, close.client-wait=1s, close.linger-time=3s, close.linger-timeout=1s")))));
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("cases")
    void the413ArrivesWhole(Adapter adapter, String name, ClosePolicy policy) throws Exception {
        try (ServerUnderTest server = ServerUnderTest.start(adapter, policy)) {
            VanishingPeerClosesWithinBoundTest.warmUp(server);
            int before = Fds.openCount();
            RawHttpClient upload = RawHttpClient.builder(server.address()).method("POST").path("/upload")
                    .deterministicBody(UPLOAD).bodyFromSeparateThread(true).keepBody(true)
                    .deadline(Duration.ofSeconds(20)).build();
            long resets = 0;
            for (int i = 0; i < TRIES; i++) {
                HttpResult r = upload.send();
                assertThat(r.status()).as("try %d: %s", i, r).isEqualTo(413);
                assertThat(r.complete()).as("try %d: whole 413: %s", i, r).isTrue();
                assertThat(r.bodyText()).isEqualTo("request body too large\n");
                assertThat(r.requestBytesSent()).as("the body was still being sent, not read").isLessThanOrEqualTo(UPLOAD + 1024);
                resets += r.resetSeen() ? 1 : 0;
            }
            var settings = ClosePolicy.parse(policy.toSpec()).defaults();
            Duration bound = settings.clientWait().plus(settings.lingerTime()).plus(settings.ackWait()).plus(Scenario.SLACK);
            List<CloseEvent> events = server.events().awaitAtLeast(TRIES, bound.plus(Duration.ofSeconds(10)));
            for (CloseEvent e : events) {
                assertThat(e.closeDuration()).as("%s", e).isLessThanOrEqualTo(bound);
            }
            assertThat(Fds.awaitAtMost(before, Duration.ofSeconds(5))).as("descriptors").isLessThanOrEqualTo(before);
            Results.row("early 413, 2 MB upload unread", adapter, name, TRIES, (long) TRIES * "request body too large\n".length(),
                    0, server.events().maxCloseDuration(), server.timeWait().count().serverSide(),
                    server.timeWait().count().clientSide(),
                    LossyRateLimitedLinkDeliversEveryByteTest.summary(events) + "; client saw RST after the 413 on " + resets);
        }
    }
}
