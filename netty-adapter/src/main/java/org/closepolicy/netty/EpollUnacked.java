package org.closepolicy.netty;

import io.netty.channel.Channel;
import io.netty.channel.epoll.EpollSocketChannel;
import org.closepolicy.kernel.SocketAcks;

/**
 * Reads what an epoll socket still holds for its peer: {@link SocketAcks} on its descriptor when available
 * (exact), else Netty's {@code TCP_INFO}, whose segments in flight can only say "not yet". Loaded only when
 * the channel is an {@link EpollSocketChannel}, so the epoll jar stays optional.
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
        if (SocketAcks.available()) {
            return SocketAcks.unacknowledged(epoll.fd().intValue());
        }
        long inFlight = epoll.tcpInfo().unacked();
        return inFlight > 0 ? inFlight : -1;
    }
}
