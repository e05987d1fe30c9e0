package org.closepolicy.netty;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;
import static org.awaitility.Awaitility.await;

import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import java.io.InputStream;
import java.net.Socket;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.closepolicy.kernel.SocketAcks;
import org.closepolicy.kernel.SockDiag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * What the kernel says at once about the server's bytes ({@link Unacknowledged}, behind
 * {@code Transport.unacknowledged()}; epoll: {@code TCP_INFO} of the descriptor, NIO: a {@code sock_diag} query of
 * the 4-tuple): {@code > 0} while 4 MB wait for a client that does not read (most not even sent), {@code 0} once it
 * has read them all, {@code -1} for a closed channel.
 */
class SocketTellsWhetherEveryByteIsAcknowledgedTest {

    private static final int SIZE = 4 << 20;

    @ParameterizedTest(name = "{0}")
    @EnumSource(TestServer.Kind.class)
    void countsUnsentAndUnacknowledgedBytesUntilTheClientReadsThem(TestServer.Kind kind) throws Exception {
        assumeThat(kind.available()).isTrue();
        assertThat(SocketAcks.available()).as("%s", SocketAcks.unavailableReason()).isTrue();
        assertThat(SockDiag.isAvailable()).as("%s", SockDiag.unavailableReason()).isTrue(); // decided before the first ask
        CompletableFuture<Channel> accepted = new CompletableFuture<>();
        try (TestServer server = TestServer.raw(kind, p -> p.addLast(new WriteOnActive(accepted)));
             Socket client = new Socket()) {
            client.setReceiveBufferSize(16 * 1024);
            client.connect(server.address());
            Channel ch = accepted.get(10, TimeUnit.SECONDS);

            await().atMost(Duration.ofSeconds(10)).until(() -> unacknowledged(ch) > 0);
            InputStream in = client.getInputStream();
            byte[] buf = new byte[64 * 1024];
            for (long read = 0; read < SIZE; ) {
                int n = in.read(buf);
                assertThat(n).as("bytes read before EOF").isPositive();
                read += n;
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> unacknowledged(ch) == 0);
            ch.close().sync();
            assertThat(unacknowledged(ch)).as("a closed channel cannot tell").isEqualTo(-1);
        }
    }

    @Test
    void aDescriptorThatIsNotOpenCannotTell() {
        assertThat(SocketAcks.unacknowledged(-1)).isEqualTo(-1);
        assertThat(SocketAcks.unacknowledged(Integer.MAX_VALUE)).isEqualTo(-1);
    }

    private static long unacknowledged(Channel ch) throws Exception {
        return ch.eventLoop().submit(() -> Unacknowledged.of(ch)).get(10, TimeUnit.SECONDS);
    }

    /** Writes {@code SIZE} bytes as soon as the connection is up. */
    private static final class WriteOnActive extends ChannelInboundHandlerAdapter {
        private final CompletableFuture<Channel> accepted;

        WriteOnActive(CompletableFuture<Channel> accepted) {
            this.accepted = accepted;
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            ctx.writeAndFlush(Unpooled.wrappedBuffer(new byte[SIZE]));
            accepted.complete(ctx.channel());
            ctx.fireChannelActive();
        }
    }
}
