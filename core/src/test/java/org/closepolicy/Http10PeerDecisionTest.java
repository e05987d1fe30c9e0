package org.closepolicy;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.closepolicy.support.TestView;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * How an HTTP/1.0 exchange that ends the connection with a length-delimited response closes: by preset,
 * by what is known about the peer, and by {@code close.http10-first}. Never an RST for a peer that may read to EOF.
 */
class Http10PeerDecisionTest {

    static final long NOW = Duration.ofDays(3).toNanos();

    /** HTTP/1.0 without keep-alive, response with Content-Length (what nginx's default proxy sends and reads). */
    static TestView http10Close(PeerHabit habit) {
        return TestView.http11().timing(NOW, Duration.ofSeconds(1), Duration.ZERO).requestsServed(1)
                .httpVersion(HttpVersion.HTTP_1_0).clientRequestedClose(true).peerHabit(habit);
    }

    @ParameterizedTest(name = "{0} / {1} -> {2} {3} {4} wait {5} reason {6}")
    @CsvSource(delimiter = '|', textBlock = """
            # spec                                   | peer          | closer       | mode   | fallback | wait  | reason
            client-first                             | UNKNOWN       | CLIENT_FIRST | FIN    | FIN      | 500ms | CLIENT_REQUESTED
            client-first                             | CLOSES_FIRST  | CLIENT_FIRST | FIN    | FIN      | 2s    | CLIENT_REQUESTED
            client-first                             | WAITS_FOR_EOF | SERVER_FIRST | FIN    | RST      |       | EOF_DELIMITED
            safe-reset                               | UNKNOWN       | CLIENT_FIRST | RST    | FIN      | 500ms | CLIENT_REQUESTED
            safe-reset                               | CLOSES_FIRST  | CLIENT_FIRST | RST    | FIN      | 2s    | CLIENT_REQUESTED
            safe-reset                               | WAITS_FOR_EOF | SERVER_FIRST | FIN    | RST      |       | EOF_DELIMITED
            keep-alive                               | UNKNOWN       | CLIENT_FIRST | FIN    | FIN      | 500ms | CLIENT_REQUESTED
            server-fin                               | UNKNOWN       | SERVER_FIRST | FIN    | FIN      |       | CLIENT_REQUESTED
            lingering                                | CLOSES_FIRST  | SERVER_FIRST | LINGER | FIN      |       | CLIENT_REQUESTED
            close.first=server, close.mode=rst       | UNKNOWN       | SERVER_FIRST | FIN    | RST      |       | CLIENT_REQUESTED
            client-first, close.eof-probe=250ms      | UNKNOWN       | CLIENT_FIRST | FIN    | FIN      | 250ms | CLIENT_REQUESTED
            client-first, close.client-wait=50ms     | UNKNOWN       | CLIENT_FIRST | FIN    | FIN      | 50ms  | CLIENT_REQUESTED
            client-first, close.http10-first=client  | WAITS_FOR_EOF | CLIENT_FIRST | FIN    | FIN      | 2s    | CLIENT_REQUESTED
            client-first, close.http10-first=client  | UNKNOWN       | CLIENT_FIRST | FIN    | FIN      | 2s    | CLIENT_REQUESTED
            client-first, close.http10-first=server  | CLOSES_FIRST  | SERVER_FIRST | FIN    | RST      |       | EOF_DELIMITED
            client-first, close.fallback=linger      | UNKNOWN       | CLIENT_FIRST | FIN    | LINGER   | 500ms | CLIENT_REQUESTED
            """)
    void http10ExchangeClosesByWhatIsKnownOfThePeer(String spec, PeerHabit habit, Closer closer, CloseMode mode, CloseMode fallback,
            String wait, RetireReason reason) {
        Decision d = ClosePolicy.parse(spec).decide(http10Close(habit), NOW);
        assertThat(d).isInstanceOf(Retire.class);
        Retire r = (Retire) d;
        assertThat(r.closer()).as("closer").isEqualTo(closer);
        assertThat(r.mode()).as("mode").isEqualTo(mode);
        assertThat(r.fallback()).as("fallback").isEqualTo(fallback);
        assertThat(r.reason()).as("reason").isEqualTo(reason);
        if (closer == Closer.CLIENT_FIRST) {
            assertThat(r.clientWait()).as("wait").isEqualTo(ClosePolicy.parse("close.client-wait=" + wait).defaults().clientWait());
            assertThat(r.learnsPeer()).isTrue();
            assertThat(r.probesPeer()).isEqualTo(habit == PeerHabit.UNKNOWN && !spec.contains("http10-first"));
            assertThat(r.fallback()).as("never an RST after waiting for an HTTP/1.0 peer").isNotEqualTo(CloseMode.RST);
        } else {
            assertThat(r.learnsPeer()).isFalse();
            assertThat(r.mode()).as("never an RST for an HTTP/1.0 peer that may read to EOF").isNotEqualTo(CloseMode.RST);
        }
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            client-first
            safe-reset
            keep-alive, reuse.max-requests=3
            """)
    void http10KeepAliveRetiredByMaxRequestsNeverFallsBackToReset(String spec) {
        TestView v = http10Close(PeerHabit.UNKNOWN).clientRequestedClose(false).requestsServed(3);
        Retire r = (Retire) ClosePolicy.parse(spec).decide(v, NOW);
        assertThat(r.reason()).isEqualTo(RetireReason.MAX_REQUESTS);
        assertThat(r.probesPeer()).isTrue();
        assertThat(r.fallback()).isEqualTo(CloseMode.FIN);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            client-first
            keep-alive, reuse.honour-client-close=false
            """)
    void http10WithoutKeepAliveIsNeverKeptAndAResponseWithoutLengthGetsAPromptFin(String spec) {
        ClosePolicy p = ClosePolicy.parse(spec);
        assertThat(p.decide(http10Close(PeerHabit.CLOSES_FIRST), NOW).retires()).isTrue();
        Retire eof = (Retire) p.decide(http10Close(PeerHabit.CLOSES_FIRST).eofDelimited(true), NOW);
        assertThat(eof.closer()).isEqualTo(Closer.SERVER_FIRST);
        assertThat(eof.reason()).isEqualTo(RetireReason.EOF_DELIMITED);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            10.1.2.3     | CLIENT_FIRST | 2s
            192.0.2.10   | CLIENT_FIRST | 500ms
            """)
    void aRulePinsTheProxiesAddresses(String peer, Closer closer, String wait) {
        ClosePolicy p = ClosePolicy.parse("client-first, rule.proxy.when.cidr=10.0.0.0/8, rule.proxy.close.http10-first=client");
        Retire r = (Retire) p.decide(http10Close(PeerHabit.UNKNOWN).remote(peer), NOW);
        assertThat(r.closer()).isEqualTo(closer);
        assertThat(r.clientWait()).isEqualTo(ClosePolicy.parse("close.client-wait=" + wait).defaults().clientWait());
    }
}
