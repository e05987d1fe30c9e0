package org.closepolicy.netty;

import io.netty.channel.Channel;
import io.netty.channel.nio.AbstractNioChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.internal.PlatformDependent;
import java.io.IOException;
import java.lang.reflect.Field;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import org.closepolicy.kernel.SocketAcks;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The file descriptor of a Netty NIO socket channel, so that the kernel can be asked about that one socket
 * ({@code TCP_INFO}, as on the epoll transport) instead of by its 4-tuple through {@code sock_diag}: about 10 µs of
 * CPU less per question. Neither Netty nor the JDK exposes it; it is read with Netty's own field access
 * ({@link PlatformDependent}, which follows Netty's decision whether {@code sun.misc.Unsafe} may be used) from the
 * JDK's {@code SocketChannelImpl.fdVal}, and trusted only after a self-test once per process: a loopback connection
 * of its own whose descriptor must name its local port. Where any of that is missing (another JDK, Netty without
 * Unsafe, no JNA), {@link #of} answers {@code -1} and the caller asks by the 4-tuple.
 *
 * <p>Thread-safety: thread-safe; call {@link #of} on the channel's event loop, which keeps the channel, and so its
 * descriptor, from being closed during the call and the caller's use of the number.
 */
final class NioDescriptor {

    private static final Logger LOG = LoggerFactory.getLogger(NioDescriptor.class);
    /** Offsets of {@code AbstractNioChannel.ch} and {@code SocketChannelImpl.fdVal}; -1 when unusable. */
    private static final long CHANNEL_OFFSET;
    private static final long FD_OFFSET;
    private static final Class<?> SOCKET_CHANNEL_IMPL;

    static {
        long channel = -1;
        long fd = -1;
        Class<?> impl = null;
        try {
            if (PlatformDependent.hasUnsafe() && SocketAcks.available()) {
                impl = Class.forName("sun.nio.ch.SocketChannelImpl", false, null);
                channel = offset(AbstractNioChannel.class.getDeclaredField("ch"));
                fd = offset(impl.getDeclaredField("fdVal"));
                if (!selfTest(channel, fd, impl)) {
                    channel = -1;
                    fd = -1;
                }
            }
        } catch (ReflectiveOperationException | RuntimeException | LinkageError | IOException e) {
            LOG.debug("NIO socket descriptors cannot be read; asking sock_diag by 4-tuple instead", e);
            channel = -1;
            fd = -1;
        }
        CHANNEL_OFFSET = channel;
        FD_OFFSET = fd;
        SOCKET_CHANNEL_IMPL = impl;
    }

    private NioDescriptor() {
    }

    /** Whether {@link #of} can answer in this process. */
    static boolean available() {
        return FD_OFFSET >= 0;
    }

    /** The descriptor of this open NIO socket channel, or {@code -1} (not NIO, closed, or not available). */
    static int of(Channel ch) {
        if (FD_OFFSET < 0 || !(ch instanceof NioSocketChannel) || !ch.isOpen()) {
            return -1;
        }
        Object socket = PlatformDependent.getObject(ch, CHANNEL_OFFSET);
        return SOCKET_CHANNEL_IMPL.isInstance(socket) ? PlatformDependent.getInt(socket, FD_OFFSET) : -1;
    }

    private static long offset(Field f) {
        long offset = PlatformDependent.objectFieldOffset(f);
        if (offset < 0) {
            throw new IllegalStateException("no offset for " + f);
        }
        return offset;
    }

    /** Reads the descriptor of a connection of its own through both fields, and checks it names its local port. */
    @SuppressWarnings("try") // the accepted socket is only held open
    private static boolean selfTest(long channelOffset, long fdOffset, Class<?> impl) throws IOException {
        InetAddress loopback = InetAddress.getLoopbackAddress();
        try (ServerSocketChannel server = ServerSocketChannel.open().bind(new InetSocketAddress(loopback, 0));
             SocketChannel client = SocketChannel.open(server.getLocalAddress());
             SocketChannel accepted = server.accept()) { // held open: the client's socket stays connected meanwhile
            NioSocketChannel netty = new NioSocketChannel(client);
            Object socket = PlatformDependent.getObject(netty, channelOffset);
            if (socket != client || !impl.isInstance(socket)) {
                LOG.debug("NIO socket descriptors: Netty's channel field does not hold its socket; using sock_diag");
                return false;
            }
            int fd = PlatformDependent.getInt(client, fdOffset);
            int port = ((InetSocketAddress) client.getLocalAddress()).getPort();
            boolean names = SocketAcks.localPort(fd) == port && SocketAcks.unacknowledged(fd) >= 0;
            if (!names) {
                LOG.debug("NIO socket descriptors: descriptor {} does not name port {}; using sock_diag", fd, port);
            }
            return names;
        }
    }
}
