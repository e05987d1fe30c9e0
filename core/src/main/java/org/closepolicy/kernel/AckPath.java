package org.closepolicy.kernel;

/** How an {@link AckWatcher} read send queues on its last tick. */
enum AckPath {
    /** Exact 4-tuple queries through the kernel's sock_diag netlink interface ({@link SockDiag}): flat cost. */
    SOCK_DIAG,
    /** One read of {@code /proc/net/tcp{,6}} per tick: cost grows with the host's socket count. */
    PROC_NET_TCP,
    /** Snapshots from a source given to {@link AckWatcher.Builder#source}. */
    CUSTOM_SOURCE
}
