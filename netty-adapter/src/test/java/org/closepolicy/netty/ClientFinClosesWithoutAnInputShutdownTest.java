package org.closepolicy.netty;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.closepolicy.CloseEvent;
import org.closepolicy.CloseMode;
import org.closepolicy.ClosePolicies;
import org.closepolicy.ClosePolicy;
import org.closepolicy.FallbackReason;
import org.closepolicy.WhoClosed;
import org.closepolicy.kernel.SockDiag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * When the client's FIN is answered with a plain close (client-first), Netty closes at that FIN by itself: the
 * input is not shut down first and no {@code ChannelInputShutdownEvent} travels the pipeline. A reset in reply to
 * the FIN (safe-reset) learns of the FIN where the socket reads the end of input (the bytes are counted there when
 * the codec comes first), asks the kernel whether every byte is acknowledged, and resets before Netty would shut
 * the input down: no event either. Both are recorded as the client's FIN.
 */
class ClientFinClosesWithoutAnInputShutdownTest {

    /** Counts the input-shutdown events that reach the application. */
    private static final class InputShutdowns extends ChannelInboundHandlerAdapter {
        final AtomicInteger seen = new AtomicInteger();

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
            if (evt instanceof ChannelInputShutdownEvent) {
                seen.incrementAndGet();
            }
            super.userEventTriggered(ctx, evt);
        }
    }

    private static CloseEvent oneExchangeThenClientCloses(TestServer.Kind kind, ClosePolicy policy, InputShutdowns shutdowns)
            throws Exception {
        try (TestServer server = TestServer.aggregating(kind, policy, p -> p.addLast(shutdowns, new Apps.Fixed(Apps.SMALL)))) {
            try (Socket s = new Socket("127.0.0.1", server.port())) {
                s.setSoTimeout(10_000);
                s.getOutputStream().write("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                InputStream in = s.getInputStream();
                byte[] buf = new byte[4096];
                int total = 0;
                while (total < Apps.SMALL + 50) {
                    int k = in.read(buf);
                    assertThat(k).isPositive();
                    total += k;
                }
            } // the client closes first, after the whole response
            return server.events.awaitOne(Duration.ofSeconds(10));
        }
    }

    @ParameterizedTest
    @EnumSource(TestServer.Kind.class)
    void clientFirstClosesAtTheClientsFinWithoutTheEvent(TestServer.Kind kind) throws Exception {
        assumeThat(kind.available()).isTrue();
        InputShutdowns shutdowns = new InputShutdowns();
        CloseEvent e = oneExchangeThenClientCloses(kind, ClosePolicies.clientFirst(), shutdowns);
        assertThat(e.whoClosed()).as("%s", e).isEqualTo(WhoClosed.REMOTE_FIN);
        assertThat(e.usedMode()).isEqualTo(CloseMode.FIN);
        assertThat(e.fallbackReason()).isEqualTo(FallbackReason.NONE);
        assertThat(e.requestsServed()).isEqualTo(1);
        assertThat(shutdowns.seen).as("no input shutdown before the close").hasValue(0);
    }

    @ParameterizedTest
    @EnumSource(TestServer.Kind.class)
    void safeResetAnswersTheClientsFinWithAnRstWithoutAnInputShutdown(TestServer.Kind kind) throws Exception {
        assumeThat(kind.available()).isTrue();
        assertThat(SockDiag.isAvailable()).as("decided before the first ask: %s", SockDiag.unavailableReason()).isTrue();
        InputShutdowns shutdowns = new InputShutdowns();
        CloseEvent e = oneExchangeThenClientCloses(kind, ClosePolicies.safeReset(), shutdowns);
        assertThat(e.whoClosed()).as("%s", e).isEqualTo(WhoClosed.REMOTE_FIN);
        assertThat(e.usedMode()).isEqualTo(CloseMode.RST);
        assertThat(e.fallbackReason()).isEqualTo(FallbackReason.NONE);
        assertThat(shutdowns.seen).as("no input shutdown before the reset").hasValue(0);
    }
}
