package org.closepolicy.netty;

import io.netty.channel.Channel;

/**
 * The cheap "not yet acknowledged" hint of {@link org.closepolicy.spi.Transport#unackedHint()}: the
 * segments in flight from {@code TCP_INFO} on the epoll transport, unknown elsewhere. The epoll classes
 * are optional at run time (provided scope), so they are only touched behind a class check.
 *
 * <p>Thread-safety: thread-safe.
 */
final class UnackedHint {

    private static final Class<?> EPOLL_SOCKET = load("io.netty.channel.epoll.EpollSocketChannel");

    private UnackedHint() {
    }

    /** Segments sent and not yet acknowledged ({@code > 0}: certainly not all acknowledged), or -1 when unknown. */
    static long of(Channel ch) {
        if (EPOLL_SOCKET != null && EPOLL_SOCKET.isInstance(ch)) {
            try {
                return EpollUnacked.of(ch);
            } catch (RuntimeException | LinkageError e) {
                return -1;
            }
        }
        return -1;
    }

    private static Class<?> load(String name) {
        try {
            return Class.forName(name, false, UnackedHint.class.getClassLoader());
        } catch (ClassNotFoundException | LinkageError e) {
            return null;
        }
    }
}
