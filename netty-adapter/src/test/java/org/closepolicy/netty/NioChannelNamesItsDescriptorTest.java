package org.closepolicy.netty;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.closepolicy.kernel.SocketAcks;
import org.junit.jupiter.api.Test;

/**
 * {@link NioDescriptor} reads the descriptor of a real NIO channel: the kernel names that channel's own (ephemeral,
 * so unique) port for it, so {@code TCP_INFO} is asked of that socket and no other; closed, epoll or embedded
 * channels get {@code -1}.
 */
class NioChannelNamesItsDescriptorTest {

    @Test
    void aNioChannelsDescriptorIsItsOwnSocket() throws Exception {
        assertThat(NioDescriptor.available()).as("self-test on this JDK and Netty, with JNA").isTrue();
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        try (ServerSocket listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            Channel ch = new Bootstrap().group(group).channel(NioSocketChannel.class).handler(new ChannelInboundHandlerAdapter())
                    .connect(listener.getLocalSocketAddress()).sync().channel();
            try (Socket peer = listener.accept()) {
                int fd = onLoop(ch);
                assertThat(fd).isNotNegative();
                assertThat(SocketAcks.localPort(fd)).as("the kernel's port for that descriptor: this channel's own")
                        .isEqualTo(((InetSocketAddress) ch.localAddress()).getPort())
                        .isEqualTo(peer.getPort());
                ch.close().sync();
                assertThat(onLoop(ch)).as("closed").isEqualTo(-1);
            }
        } finally {
            group.shutdownGracefully(0, 0, TimeUnit.SECONDS).sync();
        }
    }

    @Test
    void otherChannelsHaveNone() throws Exception {
        EmbeddedChannel embedded = new EmbeddedChannel();
        assertThat(NioDescriptor.of(embedded)).isEqualTo(-1);
        embedded.finishAndReleaseAll();
        assumeThat(TestServer.Kind.EPOLL.available()).isTrue();
        CompletableFuture<Channel> accepted = new CompletableFuture<>();
        try (TestServer server = TestServer.raw(TestServer.Kind.EPOLL, p -> p.addLast(new Accepted(accepted)));
             Socket client = new Socket()) {
            client.connect(server.address());
            assertThat(onLoop(accepted.get(10, TimeUnit.SECONDS))).as("epoll asks its own descriptor").isEqualTo(-1);
        }
    }

    @Test
    void aDescriptorThatIsNotASocketHasNoPort() {
        assertThat(SocketAcks.localPort(-1)).isEqualTo(-1);
        assertThat(SocketAcks.localPort(0)).as("standard input").isEqualTo(-1);
    }

    private static int onLoop(Channel ch) throws Exception {
        return ch.eventLoop().submit(() -> NioDescriptor.of(ch)).get(10, TimeUnit.SECONDS);
    }

    private static final class Accepted extends ChannelInboundHandlerAdapter {
        private final CompletableFuture<Channel> accepted;

        Accepted(CompletableFuture<Channel> accepted) {
            this.accepted = accepted;
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            accepted.complete(ctx.channel());
            ctx.fireChannelActive();
        }
    }
}
