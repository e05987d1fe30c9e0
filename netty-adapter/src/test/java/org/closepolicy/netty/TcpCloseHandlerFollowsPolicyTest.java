package org.closepolicy.netty;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.LineBasedFrameDecoder;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.closepolicy.CloseEvent;
import org.closepolicy.CloseMode;
import org.closepolicy.ClosePolicies;
import org.closepolicy.ClosePolicy;
import org.closepolicy.Protocol;
import org.closepolicy.RetireReason;
import org.closepolicy.WhoClosed;
import org.closepolicy.testkit.TimeWaitCounter;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A line protocol behind {@link TcpCloseHandler}: the application marks exchanges with
 * {@link CloseControl}; retirement then follows the policy's who and how, as for HTTP.
 */
class TcpCloseHandlerFollowsPolicyTest {

    /** Replies "ok" to each line; "bye" retires, "quit" closes, anything else completes an exchange. */
    static final class LineApp extends SimpleChannelInboundHandler<ByteBuf> {
        @Override
        protected void channelRead0(ChannelHandlerContext ctx, ByteBuf line) {
            String text = line.toString(StandardCharsets.US_ASCII);
            ctx.writeAndFlush(Unpooled.copiedBuffer("ok " + text + "\n", StandardCharsets.US_ASCII));
            switch (text) {
                case "bye" -> CloseControl.retire(ctx);
                case "quit" -> ctx.close();
                default -> CloseControl.exchangeCompleted(ctx);
            }
        }
    }

    private static TestServer server(TestServer.Kind kind, ClosePolicy policy) {
        return TestServer.tcp(kind, policy, p -> p.addLast(new LineBasedFrameDecoder(1024), new LineApp()));
    }

    /** Sends lines, reads one reply per line, then closes like a client that knows the conversation ended. */
    private static void converse(int port, List<String> lines) throws Exception {
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(10_000);
            OutputStream out = s.getOutputStream();
            BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII));
            for (String l : lines) {
                out.write((l + "\n").getBytes(StandardCharsets.US_ASCII));
                out.flush();
                assertThat(in.readLine()).isEqualTo("ok " + l);
            }
        }
    }

    @ParameterizedTest
    @EnumSource(TestServer.Kind.class)
    void clientFirstMovesTimeWaitToTheClient(TestServer.Kind kind) throws Exception {
        assumeThat(kind.available()).isTrue();
        assumeThat(TimeWaitCounter.supported()).isTrue();
        int n = 200;
        try (TestServer server = server(kind, ClosePolicies.clientFirst())) {
            TimeWaitCounter.Since timeWait = TimeWaitCounter.since(server.port()); // before the first connection
            for (int i = 0; i < n; i++) {
                converse(server.port(), List.of("hello"));
            }
            for (CloseEvent e : server.events.awaitAtLeast(n, Duration.ofSeconds(20))) {
                assertThat(e.protocol()).isEqualTo(Protocol.TCP);
                assertThat(e.whoClosed()).as("%s", e).isEqualTo(WhoClosed.REMOTE_FIN);
                assertThat(e.retireReason()).isEqualTo(RetireReason.MAX_REQUESTS);
            }
            assertThat(timeWait.count().serverSide()).isLessThanOrEqualTo(n / 100);
        }
    }

    @ParameterizedTest
    @EnumSource(TestServer.Kind.class)
    void safeResetAnswersTheClientsFinWithAReset(TestServer.Kind kind) throws Exception {
        assumeThat(kind.available()).isTrue();
        assumeThat(TimeWaitCounter.supported()).isTrue();
        int n = 200;
        try (TestServer server = server(kind, ClosePolicies.safeReset())) {
            TimeWaitCounter.Since timeWait = TimeWaitCounter.since(server.port()); // before the first connection
            for (int i = 0; i < n; i++) {
                converse(server.port(), List.of("hello"));
            }
            for (CloseEvent e : server.events.awaitAtLeast(n, Duration.ofSeconds(20))) {
                assertThat(e.usedMode()).as("%s", e).isEqualTo(CloseMode.RST);
            }
            TimeWaitCounter.Counts c = timeWait.count();
            assertThat(c.serverSide()).isLessThanOrEqualTo(n / 100);
            assertThat(c.clientSide()).isLessThanOrEqualTo(n / 100);
        }
    }

    @ParameterizedTest
    @EnumSource(TestServer.Kind.class)
    void exchangesAreCountedAndTheApplicationCanRetireOrClose(TestServer.Kind kind) throws Exception {
        assumeThat(kind.available()).isTrue();
        try (TestServer server = server(kind, ClosePolicies.keepAlive())) {
            converse(server.port(), List.of("a", "b", "c", "bye"));
            CloseEvent retired = server.events.awaitOne(Duration.ofSeconds(10));
            assertThat(retired.retireReason()).as("%s", retired).isEqualTo(RetireReason.APPLICATION);
            assertThat(retired.requestsServed()).isEqualTo(3);
            assertThat(retired.whoClosed()).isEqualTo(WhoClosed.REMOTE_FIN);

            // An application close() means "the client reads until EOF": a prompt server FIN.
            try (Socket s = new Socket("127.0.0.1", server.port())) {
                s.setSoTimeout(10_000);
                s.getOutputStream().write("quit\n".getBytes(StandardCharsets.US_ASCII));
                BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII));
                assertThat(in.readLine()).isEqualTo("ok quit");
                assertThat(in.readLine()).as("EOF from the server").isNull();
            }
            List<CloseEvent> all = server.events.awaitAtLeast(2, Duration.ofSeconds(10));
            CloseEvent closed = all.get(1);
            assertThat(closed.whoClosed()).as("%s", closed).isEqualTo(WhoClosed.LOCAL_FIN);
            assertThat(closed.retireReason()).isEqualTo(RetireReason.EOF_DELIMITED);
        }
    }
}
