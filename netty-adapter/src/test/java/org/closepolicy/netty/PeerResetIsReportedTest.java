package org.closepolicy.netty;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.closepolicy.CloseEvent;
import org.closepolicy.ClosePolicies;
import org.closepolicy.WhoClosed;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A client that resets its connection (SO_LINGER 0), while the server waits for its FIN or between
 * requests, ends the connection at once with one close event that says so.
 */
class PeerResetIsReportedTest {

    @ParameterizedTest
    @EnumSource(TestServer.Kind.class)
    void resetWhileTheServerWaitsForTheClientsFin(TestServer.Kind kind) throws Exception {
        assumeThat(kind.available()).isTrue();
        try (TestServer server = TestServer.aggregating(kind, ClosePolicies.clientFirst(), p -> p.addLast(new Apps.Fixed(Apps.SMALL)))) {
            try (Socket s = new Socket("127.0.0.1", server.port())) {
                s.setSoTimeout(10_000);
                s.getOutputStream().write("GET / HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                InputStream in = s.getInputStream();
                byte[] buf = new byte[4096];
                int total = 0;
                while (total < Apps.SMALL + 50) {
                    int k = in.read(buf);
                    assertThat(k).isPositive();
                    total += k;
                }
                s.setSoLinger(true, 0);
            }
            CloseEvent e = server.events.awaitOne(Duration.ofSeconds(5));
            assertThat(e.whoClosed()).as("%s", e).isEqualTo(WhoClosed.REMOTE_RST);
            assertThat(e.requestsServed()).isEqualTo(1);
            assertThat(server.events.count()).isEqualTo(1);
        }
    }

    @ParameterizedTest
    @EnumSource(TestServer.Kind.class)
    void resetOfAnIdleConnection(TestServer.Kind kind) throws Exception {
        assumeThat(kind.available()).isTrue();
        try (TestServer server = TestServer.aggregating(kind, ClosePolicies.keepAlive(), p -> p.addLast(new Apps.Fixed(Apps.SMALL)))) {
            try (Socket s = new Socket("127.0.0.1", server.port())) {
                s.setSoLinger(true, 0);
            }
            CloseEvent e = server.events.awaitOne(Duration.ofSeconds(5));
            assertThat(e.whoClosed()).as("%s", e).isEqualTo(WhoClosed.REMOTE_RST);
            assertThat(e.retireReason()).isNull();
        }
    }
}
