package org.closepolicy.netty;

import io.netty.channel.Channel;

/**
 * {@link org.closepolicy.spi.Transport#unacknowledged()} of a Netty channel, asked of the kernel at once (see
 * {@link org.closepolicy.kernel.SocketAcks}): on the epoll transport {@code TCP_INFO} of the channel's descriptor
 * (exact with JNA; without it only segments in flight, a "not yet"); unknown elsewhere, where the machine's ack
 * check asks the shared watcher, whose batched {@code sock_diag} queries cost less than one query per connection
 * on the event loop (measured: about 10 µs of CPU per connection on NIO).
 * The epoll classes are optional at run time (provided scope), so they are only touched behind a class check.
 *
 * <p>Thread-safety: call on the channel's event loop.
 */
final class Unacknowledged {

    private static final Class<?> EPOLL_SOCKET = load("io.netty.channel.epoll.EpollSocketChannel");

    private Unacknowledged() {
    }

    /** {@code 0}: every byte acknowledged; {@code > 0}: certainly not; {@code -1}: unknown. */
    static long of(Channel ch) {
        if (EPOLL_SOCKET != null && EPOLL_SOCKET.isInstance(ch)) {
            try {
                return EpollUnacked.of(ch);
            } catch (RuntimeException | LinkageError e) {
                return -1;
            }
        }
        return -1; // the ack watcher's batched queries cost less than one query per connection here
    }

    private static Class<?> load(String name) {
        try {
            return Class.forName(name, false, Unacknowledged.class.getClassLoader());
        } catch (ClassNotFoundException | LinkageError e) {
            return null;
        }
    }
}
