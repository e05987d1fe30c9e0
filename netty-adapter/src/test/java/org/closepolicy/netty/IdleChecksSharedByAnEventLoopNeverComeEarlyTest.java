package org.closepolicy.netty;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.closepolicy.CloseEvent;
import org.closepolicy.ClosePolicy;
import org.closepolicy.Preset;
import org.closepolicy.RetireReason;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The idle checks of all the connections of an event loop share one timer wheel: every kept connection is retired
 * by its idle timeout, none before its own deadline, including connections whose deadline moved later with a second
 * request while their first check was already linked.
 */
class IdleChecksSharedByAnEventLoopNeverComeEarlyTest {

    private static final Duration IDLE = Duration.ofSeconds(2);
    private static final int CONNECTIONS = 24;

    @ParameterizedTest
    @EnumSource(TestServer.Kind.class)
    void everyKeptConnectionEndsByItsOwnIdleDeadline(TestServer.Kind kind) throws Exception {
        assumeThat(kind.available()).isTrue();
        ClosePolicy policy = ClosePolicy.builder(Preset.KEEP_ALIVE).idleTimeout(IDLE).build();
        List<Socket> sockets = new ArrayList<>();
        try (TestServer server = TestServer.aggregating(kind, policy, p -> p.addLast(new Apps.Fixed(Apps.SMALL)))) {
            for (int i = 0; i < CONNECTIONS; i++) {
                Socket s = new Socket();
                sockets.add(s);
                s.connect(server.address(), 5_000);
                s.setSoTimeout(20_000);
                exchange(s, i);
            }
            Thread.sleep(400); // the clients' pace: every third connection asks again later
            for (int i = 0; i < CONNECTIONS; i += 3) {
                exchange(sockets.get(i), i);
            }
            List<CloseEvent> events = server.events.awaitAtLeast(CONNECTIONS, Duration.ofSeconds(30));
            assertThat(events).hasSize(CONNECTIONS);
            for (CloseEvent e : events) {
                assertThat(e.retireReason()).as("%s", e).isEqualTo(RetireReason.IDLE_TIMEOUT);
                // The server saw the last request at least 400 ms after it accepted a twice-used connection.
                Duration floor = e.requestsServed() == 2 ? IDLE.plusMillis(400) : IDLE;
                assertThat(e.lifetime()).as("%s", e).isGreaterThanOrEqualTo(floor);
            }
            assertThat(events).filteredOn(e -> e.requestsServed() == 2).hasSize((CONNECTIONS + 2) / 3);
        } finally {
            for (Socket s : sockets) {
                s.close();
            }
        }
    }

    private static void exchange(Socket s, int i) throws IOException {
        s.getOutputStream().write(("GET /" + i + " HTTP/1.1\r\nHost: t\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
        InputStream in = s.getInputStream();
        StringBuilder head = new StringBuilder();
        while (!head.toString().endsWith("\r\n\r\n")) {
            int b = in.read();
            assertThat(b).as("EOF in the response head after %s", head).isNotNegative();
            head.append((char) b);
        }
        assertThat(head.toString()).startsWith("HTTP/1.1 200");
        Matcher m = Pattern.compile("(?i)content-length:\\s*(\\d+)").matcher(head);
        assertThat(m.find()).as("Content-Length in %s", head).isTrue();
        in.readNBytes(Integer.parseInt(m.group(1)));
    }
}
