package org.closepolicy;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.function.UnaryOperator;
import org.closepolicy.support.TestView;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * What each preset decides in each situation: reuse, or retire with who closes first, how, what
 * runs when the wait runs out, and why.
 */
class DecisionTableTest {

    /** A tick far from zero, so ages and idle times can reach back. */
    static final long NOW = Duration.ofDays(3).toNanos();

    /** Situations right after an exchange (or when the idle timer fires), on an HTTP/1.1 connection opened 10 s ago. */
    enum Situation {
        FIRST_REQUEST(v -> v.requestsServed(1)),
        CLIENT_SENT_CONNECTION_CLOSE(v -> v.requestsServed(1).clientRequestedClose(true)),
        HTTP10_KEEP_ALIVE(v -> v.requestsServed(1).httpVersion(HttpVersion.HTTP_1_0)),
        HTTP10_EOF_DELIMITED(v -> v.requestsServed(1).httpVersion(HttpVersion.HTTP_1_0).clientRequestedClose(true).eofDelimited(true)),
        EOF_DELIMITED_WITH_UNREAD_INPUT(v -> v.requestsServed(1).eofDelimited(true).unreadInput(true)),
        UNREAD_INPUT(v -> v.requestsServed(1).unreadInput(true)),
        MAX_REQUESTS_REACHED(v -> v.requestsServed(1000)),
        MAX_AGE_REACHED(v -> v.requestsServed(5).timing(NOW, Duration.ofMinutes(67), Duration.ZERO)),
        IDLE_EXPIRED(v -> v.requestsServed(0).timing(NOW, Duration.ofSeconds(76), Duration.ofSeconds(75))),
        IDLE_NOT_YET_EXPIRED(v -> v.requestsServed(3).timing(NOW, Duration.ofSeconds(80), Duration.ofSeconds(74))),
        IDLE_EXPIRED_WITH_UNREAD_INPUT(v -> v.requestsServed(0).unreadInput(true).timing(NOW, Duration.ofSeconds(76), Duration.ofSeconds(75)));

        private final UnaryOperator<TestView> shape;

        Situation(UnaryOperator<TestView> shape) {
            this.shape = shape;
        }

        TestView view() {
            return shape.apply(TestView.http11().timing(NOW, Duration.ofSeconds(10), Duration.ZERO));
        }
    }

    @ParameterizedTest(name = "{0} / {1} -> {2} {3} {4} {5} {6}")
    @CsvSource(delimiter = '|', textBlock = """
            # preset     | situation                       | outcome | closer       | mode   | fallback | reason
            server-fin   | FIRST_REQUEST                   | retire  | SERVER_FIRST | FIN    | FIN      | MAX_REQUESTS
            server-fin   | CLIENT_SENT_CONNECTION_CLOSE    | retire  | SERVER_FIRST | FIN    | FIN      | CLIENT_REQUESTED
            server-fin   | HTTP10_KEEP_ALIVE               | retire  | SERVER_FIRST | FIN    | FIN      | MAX_REQUESTS
            server-fin   | HTTP10_EOF_DELIMITED            | retire  | SERVER_FIRST | FIN    | FIN      | EOF_DELIMITED
            server-fin   | EOF_DELIMITED_WITH_UNREAD_INPUT | retire  | SERVER_FIRST | LINGER | FIN      | EOF_DELIMITED
            server-fin   | UNREAD_INPUT                    | retire  | SERVER_FIRST | LINGER | FIN      | MAX_REQUESTS
            server-fin   | MAX_REQUESTS_REACHED            | retire  | SERVER_FIRST | FIN    | FIN      | MAX_REQUESTS
            server-fin   | MAX_AGE_REACHED                 | retire  | SERVER_FIRST | FIN    | FIN      | MAX_REQUESTS
            server-fin   | IDLE_EXPIRED                    | retire  | SERVER_FIRST | FIN    | FIN      | IDLE_TIMEOUT
            server-fin   | IDLE_NOT_YET_EXPIRED            | retire  | SERVER_FIRST | FIN    | FIN      | MAX_REQUESTS
            server-fin   | IDLE_EXPIRED_WITH_UNREAD_INPUT  | retire  | SERVER_FIRST | LINGER | FIN      | IDLE_TIMEOUT

            lingering    | FIRST_REQUEST                   | retire  | SERVER_FIRST | LINGER | FIN      | MAX_REQUESTS
            lingering    | CLIENT_SENT_CONNECTION_CLOSE    | retire  | SERVER_FIRST | LINGER | FIN      | CLIENT_REQUESTED
            lingering    | HTTP10_KEEP_ALIVE               | retire  | SERVER_FIRST | LINGER | FIN      | MAX_REQUESTS
            lingering    | HTTP10_EOF_DELIMITED            | retire  | SERVER_FIRST | LINGER | FIN      | EOF_DELIMITED
            lingering    | EOF_DELIMITED_WITH_UNREAD_INPUT | retire  | SERVER_FIRST | LINGER | FIN      | EOF_DELIMITED
            lingering    | UNREAD_INPUT                    | retire  | SERVER_FIRST | LINGER | FIN      | MAX_REQUESTS
            lingering    | MAX_REQUESTS_REACHED            | retire  | SERVER_FIRST | LINGER | FIN      | MAX_REQUESTS
            lingering    | MAX_AGE_REACHED                 | retire  | SERVER_FIRST | LINGER | FIN      | MAX_REQUESTS
            lingering    | IDLE_EXPIRED                    | retire  | SERVER_FIRST | LINGER | FIN      | IDLE_TIMEOUT
            lingering    | IDLE_NOT_YET_EXPIRED            | retire  | SERVER_FIRST | LINGER | FIN      | MAX_REQUESTS
            lingering    | IDLE_EXPIRED_WITH_UNREAD_INPUT  | retire  | SERVER_FIRST | LINGER | FIN      | IDLE_TIMEOUT

            client-first | FIRST_REQUEST                   | retire  | CLIENT_FIRST | FIN    | RST      | MAX_REQUESTS
            client-first | CLIENT_SENT_CONNECTION_CLOSE    | retire  | CLIENT_FIRST | FIN    | RST      | CLIENT_REQUESTED
            client-first | HTTP10_KEEP_ALIVE               | retire  | CLIENT_FIRST | FIN    | FIN      | MAX_REQUESTS
            client-first | HTTP10_EOF_DELIMITED            | retire  | SERVER_FIRST | FIN    | RST      | EOF_DELIMITED
            client-first | EOF_DELIMITED_WITH_UNREAD_INPUT | retire  | SERVER_FIRST | LINGER | RST      | EOF_DELIMITED
            client-first | UNREAD_INPUT                    | retire  | CLIENT_FIRST | FIN    | RST      | MAX_REQUESTS
            client-first | MAX_REQUESTS_REACHED            | retire  | CLIENT_FIRST | FIN    | RST      | MAX_REQUESTS
            client-first | MAX_AGE_REACHED                 | retire  | CLIENT_FIRST | FIN    | RST      | MAX_REQUESTS
            client-first | IDLE_EXPIRED                    | retire  | SERVER_FIRST | RST    | RST      | IDLE_TIMEOUT
            client-first | IDLE_NOT_YET_EXPIRED            | retire  | CLIENT_FIRST | FIN    | RST      | MAX_REQUESTS
            client-first | IDLE_EXPIRED_WITH_UNREAD_INPUT  | retire  | SERVER_FIRST | RST    | RST      | IDLE_TIMEOUT

            safe-reset   | FIRST_REQUEST                   | retire  | CLIENT_FIRST | RST    | RST      | MAX_REQUESTS
            safe-reset   | CLIENT_SENT_CONNECTION_CLOSE    | retire  | CLIENT_FIRST | RST    | RST      | CLIENT_REQUESTED
            safe-reset   | HTTP10_KEEP_ALIVE               | retire  | CLIENT_FIRST | RST    | FIN      | MAX_REQUESTS
            safe-reset   | HTTP10_EOF_DELIMITED            | retire  | SERVER_FIRST | FIN    | RST      | EOF_DELIMITED
            safe-reset   | EOF_DELIMITED_WITH_UNREAD_INPUT | retire  | SERVER_FIRST | LINGER | RST      | EOF_DELIMITED
            safe-reset   | UNREAD_INPUT                    | retire  | CLIENT_FIRST | RST    | RST      | MAX_REQUESTS
            safe-reset   | MAX_REQUESTS_REACHED            | retire  | CLIENT_FIRST | RST    | RST      | MAX_REQUESTS
            safe-reset   | MAX_AGE_REACHED                 | retire  | CLIENT_FIRST | RST    | RST      | MAX_REQUESTS
            safe-reset   | IDLE_EXPIRED                    | retire  | SERVER_FIRST | RST    | RST      | IDLE_TIMEOUT
            safe-reset   | IDLE_NOT_YET_EXPIRED            | retire  | CLIENT_FIRST | RST    | RST      | MAX_REQUESTS
            safe-reset   | IDLE_EXPIRED_WITH_UNREAD_INPUT  | retire  | SERVER_FIRST | RST    | RST      | IDLE_TIMEOUT

            keep-alive   | FIRST_REQUEST                   | reuse   |              |        |          |
            keep-alive   | CLIENT_SENT_CONNECTION_CLOSE    | retire  | CLIENT_FIRST | FIN    | RST      | CLIENT_REQUESTED
            keep-alive   | HTTP10_KEEP_ALIVE               | reuse   |              |        |          |
            keep-alive   | HTTP10_EOF_DELIMITED            | retire  | SERVER_FIRST | FIN    | RST      | EOF_DELIMITED
            keep-alive   | EOF_DELIMITED_WITH_UNREAD_INPUT | retire  | SERVER_FIRST | LINGER | RST      | EOF_DELIMITED
            keep-alive   | UNREAD_INPUT                    | reuse   |              |        |          |
            keep-alive   | MAX_REQUESTS_REACHED            | retire  | CLIENT_FIRST | FIN    | RST      | MAX_REQUESTS
            keep-alive   | MAX_AGE_REACHED                 | retire  | CLIENT_FIRST | FIN    | RST      | MAX_AGE
            keep-alive   | IDLE_EXPIRED                    | retire  | SERVER_FIRST | RST    | RST      | IDLE_TIMEOUT
            keep-alive   | IDLE_NOT_YET_EXPIRED            | reuse   |              |        |          |
            keep-alive   | IDLE_EXPIRED_WITH_UNREAD_INPUT  | retire  | SERVER_FIRST | RST    | RST      | IDLE_TIMEOUT
            """)
    void presetDecides(String preset, Situation situation, String outcome, Closer closer, CloseMode mode, CloseMode fallback,
            RetireReason reason) {
        Decision d = ClosePolicy.parse(preset).decide(situation.view(), NOW);
        if (outcome.equals("reuse")) {
            assertThat(d).isInstanceOf(Reuse.class);
            assertThat(d.retires()).isFalse();
            return;
        }
        assertThat(d).isInstanceOf(Retire.class);
        Retire r = (Retire) d;
        assertThat(r.retires()).isTrue();
        assertThat(r.closer()).as("closer").isEqualTo(closer);
        assertThat(r.mode()).as("mode").isEqualTo(mode);
        assertThat(r.fallback()).as("fallback").isEqualTo(fallback);
        assertThat(r.reason()).as("reason").isEqualTo(reason);
    }

    @ParameterizedTest(name = "{0} requests with max 100 and jitter {1} -> {2}")
    @CsvSource(delimiter = '|', textBlock = """
            # served | jitter | outcome
            99       | 0%     | reuse
            100      | 0%     | retire
            101      | 0%     | retire
            100      | 50%    | retire
            49       | 50%    | reuse
            """)
    void maxRequestsIsNeverExceededAndJitterOnlyRetiresEarlier(long served, String jitter, String outcome) {
        ClosePolicy p = ClosePolicy.parse("keep-alive, reuse.max-requests=100, reuse.jitter=" + jitter);
        TestView v = Situation.FIRST_REQUEST.view().requestsServed(served);
        assertThat(p.decide(v, NOW).retires()).isEqualTo(outcome.equals("retire"));
    }

    @Test
    void notHonouringConnectionCloseKeepsTheConnection() {
        ClosePolicy p = ClosePolicy.parse("keep-alive, reuse.honour-client-close=false");
        assertThat(p.decide(Situation.CLIENT_SENT_CONNECTION_CLOSE.view(), NOW)).isInstanceOf(Reuse.class);
        // An EOF-delimited client still needs the server's FIN to see the end of the response.
        assertThat(p.decide(Situation.HTTP10_EOF_DELIMITED.view(), NOW)).isInstanceOfSatisfying(Retire.class,
                r -> assertThat(r.reason()).isEqualTo(RetireReason.EOF_DELIMITED));
    }

    @Test
    void idleTimeoutIsReachedAtExactlyTheTimeout() {
        ClosePolicy p = ClosePolicies.keepAlive();
        TestView v = Situation.FIRST_REQUEST.view().lastActivity(NOW);
        long timeout = Duration.ofSeconds(75).toNanos();
        assertThat(p.decide(v, NOW + timeout - 1).retires()).isFalse();
        assertThat(p.decide(v, NOW + timeout)).isInstanceOfSatisfying(Retire.class,
                r -> assertThat(r.reason()).isEqualTo(RetireReason.IDLE_TIMEOUT));
    }

    @Test
    void reuseTellsWhenToAskAgain() {
        ClosePolicy p = ClosePolicy.parse("keep-alive, reuse.jitter=0, reuse.idle-timeout=30s, reuse.max-age=10m");
        TestView v = Situation.FIRST_REQUEST.view().openedAt(NOW - 5).lastActivity(NOW);
        Reuse reuse = (Reuse) p.decide(v, NOW);
        assertThat(reuse.idleTimeout()).isEqualTo(Duration.ofSeconds(30));
        assertThat(reuse.maxAge()).isEqualTo(Duration.ofMinutes(10));
        assertThat(reuse.idleDeadline(v)).isEqualTo(NOW + Duration.ofSeconds(30).toNanos());
        assertThat(reuse.retireAtNanos(v)).isEqualTo(NOW - 5 + Duration.ofMinutes(10).toNanos());
        assertThat(p.decide(v, reuse.retireAtNanos(v) - 1).retires()).isTrue(); // idle by then
        v.lastActivity(reuse.retireAtNanos(v) - 1);
        assertThat(p.decide(v, reuse.retireAtNanos(v) - 1).retires()).isFalse();
        assertThat(p.decide(v, reuse.retireAtNanos(v))).isInstanceOfSatisfying(Retire.class,
                r -> assertThat(r.reason()).isEqualTo(RetireReason.MAX_AGE));
    }

    @Test
    void withoutMaxAgeThereIsNoRetireTime() {
        Reuse reuse = (Reuse) ClosePolicy.parse("keep-alive, reuse.max-age=none").decide(Situation.FIRST_REQUEST.view(), NOW);
        assertThat(reuse.retireAtNanos(Situation.FIRST_REQUEST.view())).isEqualTo(Long.MAX_VALUE);
        assertThat(reuse.maxAge()).isNull();
    }

    @Test
    void settingsRetireGivesThePlannedCloseForAReason() {
        CloseSettings s = Preset.SAFE_RESET.settings();
        assertThat(s.retire(RetireReason.APPLICATION).closer()).isEqualTo(Closer.CLIENT_FIRST);
        assertThat(s.retire(RetireReason.APPLICATION).mode()).isEqualTo(CloseMode.RST);
        assertThat(s.retire(RetireReason.EOF_DELIMITED).closer()).isEqualTo(Closer.SERVER_FIRST);
        assertThat(s.retire(RetireReason.IDLE_TIMEOUT).closer()).isEqualTo(Closer.SERVER_FIRST);
        assertThat(s.retire(RetireReason.APPLICATION).settings()).isSameAs(s);
        assertThat(s.reuse().idleTimeout()).isEqualTo(s.idleTimeout());
    }

    @Test
    void maxCloseTimeAddsTheWaitsOfThePlannedClose() {
        Retire serverLinger = ClosePolicy.parse("lingering, close.flush-timeout=10s, close.linger-time=30s, close.ack-wait=1s")
                .defaults().retire(RetireReason.MAX_REQUESTS);
        assertThat(serverLinger.maxCloseTime()).isEqualTo(Duration.ofSeconds(40));
        Retire clientFirst = ClosePolicy.parse("client-first, close.flush-timeout=10s, close.client-wait=2s, close.linger-time=1s, close.ack-wait=3s")
                .defaults().retire(RetireReason.MAX_REQUESTS);
        assertThat(clientFirst.maxCloseTime()).isEqualTo(Duration.ofSeconds(15));
        assertThat(clientFirst.toString()).contains("CLIENT_FIRST", "wait PT2S then RST");
    }
}
