package org.closepolicy.netty;

import io.netty.channel.Channel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.epoll.EpollTcpInfo;

/**
 * Reads {@code tcpi_unacked} of an epoll socket. Loaded only when the channel is an
 * {@link EpollSocketChannel}, so the epoll jar stays optional.
 *
 * <p>Thread-safety: call on the channel's event loop.
 */
final class EpollUnacked {

    private EpollUnacked() {
    }

    static long of(Channel ch) {
        EpollSocketChannel epoll = (EpollSocketChannel) ch;
        if (!epoll.isOpen()) {
            return -1;
        }
        EpollTcpInfo info = epoll.tcpInfo();
        return info.unacked();
    }
}
