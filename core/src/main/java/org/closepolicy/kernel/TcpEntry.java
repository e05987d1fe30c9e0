package org.closepolicy.kernel;

import java.net.InetSocketAddress;
import java.util.Objects;

/**
 * One row of {@code /proc/net/tcp} or {@code /proc/net/tcp6}: a socket's 4-tuple, state and queues.
 *
 * <p>Addresses are built from the kernel's address bytes without any name lookup; IPv4 peers of
 * dual-stack sockets ({@code ::ffff:a.b.c.d}) are returned as IPv4 addresses.
 * <pre>{@code
 * for (TcpEntry e : TcpTable.system().snapshot().entries()) {
 *     if (e.state() == TcpState.ESTABLISHED && e.txQueue() > 0) {
 *         System.out.println(e.local() + " -> " + e.remote() + " unacked " + e.txQueue());
 *     }
 * }
 * }</pre>
 *
 * <p>Thread-safety: immutable, safe from any thread.
 *
 * @param local   local address and port
 * @param remote  remote address and port ({@code 0.0.0.0:0} or {@code [::]:0} for listeners)
 * @param state   TCP state
 * @param txQueue bytes in the send queue (unsent plus unacknowledged); for listeners, the backlog limit
 * @param rxQueue bytes received and not yet read by the application; for listeners, the accept queue length
 * @param uid     owning user id (0 for TIME_WAIT rows)
 * @param inode   socket inode (0 for TIME_WAIT and request rows)
 */
public record TcpEntry(InetSocketAddress local, InetSocketAddress remote, TcpState state,
                       long txQueue, long rxQueue, int uid, long inode) {

    /** Validates that the addresses and state are present. */
    public TcpEntry {
        Objects.requireNonNull(local, "local");
        Objects.requireNonNull(remote, "remote");
        Objects.requireNonNull(state, "state");
    }
}
