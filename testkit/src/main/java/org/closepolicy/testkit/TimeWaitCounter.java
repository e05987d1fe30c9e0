package org.closepolicy.testkit;

import org.closepolicy.kernel.TcpSnapshot;
import org.closepolicy.kernel.TcpState;
import org.closepolicy.kernel.TcpTable;

/**
 * Counts TIME_WAIT sockets on each side of a server port, from the kernel's TCP table.
 *
 * <p>Server side: TIME_WAIT rows whose <em>local</em> port is the server port (the server closed first).
 * Client side: rows whose <em>remote</em> port is the server port (clients on this host closed first).
 * <pre>{@code
 * TimeWaitCounter.Counts c = TimeWaitCounter.count(serverPort);
 * System.out.println("server TW " + c.serverSide() + ", client TW " + c.clientSide());
 * }</pre>
 *
 * <p>Counts are -1 where the table cannot be read, so that an assertion such as "server TIME_WAIT == 0" fails
 * instead of passing silently.
 *
 * <p>Thread-safety: stateless; safe from any thread.
 */
public final class TimeWaitCounter {

    private TimeWaitCounter() {
    }

    /**
     * Both counts from one table read.
     *
     * <pre>{@code
     * int server = TimeWaitCounter.count(8080).serverSide();
     * }</pre>
     *
     * <p>Thread-safety: immutable.
     *
     * @param serverSide TIME_WAIT rows with local port == server port, or -1
     * @param clientSide TIME_WAIT rows with remote port == server port, or -1
     */
    public record Counts(int serverSide, int clientSide) {
    }

    /** Whether the kernel table can be read here. */
    public static boolean supported() {
        return TcpTable.system().snapshot().supported();
    }

    /** TIME_WAIT rows whose local port is {@code serverPort}; -1 if unsupported. */
    public static int serverSide(int serverPort) {
        TcpSnapshot s = TcpTable.system().snapshot();
        return s.supported() ? s.countLocalPort(TcpState.TIME_WAIT, serverPort) : -1;
    }

    /** TIME_WAIT rows whose remote port is {@code serverPort}; -1 if unsupported. */
    public static int clientSide(int serverPort) {
        TcpSnapshot s = TcpTable.system().snapshot();
        return s.supported() ? s.countRemotePort(TcpState.TIME_WAIT, serverPort) : -1;
    }

    /** Both sides from one snapshot. */
    public static Counts count(int serverPort) {
        TcpSnapshot s = TcpTable.system().snapshot();
        if (!s.supported()) {
            return new Counts(-1, -1);
        }
        return new Counts(s.countLocalPort(TcpState.TIME_WAIT, serverPort),
                s.countRemotePort(TcpState.TIME_WAIT, serverPort));
    }
}
