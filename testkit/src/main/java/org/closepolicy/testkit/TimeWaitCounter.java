package org.closepolicy.testkit;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.closepolicy.kernel.TcpEntry;
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
 * <p>Each 4-tuple counts once: {@link TcpSnapshot} merges the rows the kernel writes twice when it renders
 * {@code /proc/net/tcp} a page per read on a busy host. A row can be skipped the same way, which is why
 * {@link #since(int)} reads its baseline twice.
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
        return count(serverPort).serverSide();
    }

    /** TIME_WAIT rows whose remote port is {@code serverPort}; -1 if unsupported. */
    public static int clientSide(int serverPort) {
        return count(serverPort).clientSide();
    }

    /** Both sides from one snapshot. */
    public static Counts count(int serverPort) {
        return count(TcpTable.system().snapshot(), serverPort, Set.of());
    }

    /** Both sides of {@code port} in {@code s}, each 4-tuple once, without the rows keyed in {@code leaveOut}. */
    static Counts count(TcpSnapshot s, int port, Set<String> leaveOut) {
        if (!s.supported()) {
            return new Counts(-1, -1);
        }
        int server = 0;
        int client = 0;
        for (TcpEntry e : timeWaitOn(s, port, leaveOut)) {
            if (e.local().getPort() == port) {
                server++;
            } else {
                client++;
            }
        }
        return new Counts(server, client);
    }

    /** The TIME_WAIT rows of {@code port} (either side) in {@code s}, without those keyed in {@code leaveOut}. */
    private static List<TcpEntry> timeWaitOn(TcpSnapshot s, int port, Set<String> leaveOut) {
        List<TcpEntry> rows = new ArrayList<>();
        for (TcpEntry e : s.entries()) {
            boolean onThePort = e.local().getPort() == port || e.remote().getPort() == port;
            if (e.state() == TcpState.TIME_WAIT && onThePort && !leaveOut.contains(key(e))) {
                rows.add(e);
            }
        }
        return rows;
    }

    /**
     * Starts counting for a server that has just bound {@code serverPort} and accepted nothing yet. Rows already in
     * the table on that port belong to other sockets: the ephemeral port may have been a client port of an earlier
     * connection (another server's TIME_WAIT row then names it as the remote port), or the port of an earlier
     * server. They are left out of {@link Since#count()}. While the server listens, no new foreign row can take the
     * port (the kernel does not hand a bound port to a connecting socket), so what is left is this server's own.
     * <pre>{@code
     * TimeWaitCounter.Since tw = TimeWaitCounter.since(server.port()); // before the first connection
     * runLoad();
     * int clientTimeWait = tw.count().clientSide();
     * }</pre>
     */
    public static Since since(int serverPort) {
        return since(TcpTable.system(), serverPort);
    }

    static Since since(TcpTable table, int serverPort) {
        Set<String> earlier = new HashSet<>();
        // Two reads: a row one read skipped (see the class comment) would later count as the server's own.
        for (int read = 0; read < 2; read++) {
            TcpSnapshot s = table.snapshot();
            if (!s.supported()) {
                break;
            }
            for (TcpEntry e : s.entries()) {
                boolean onThePort = e.local().getPort() == serverPort || e.remote().getPort() == serverPort;
                if (onThePort && e.state() != TcpState.LISTEN) { // the server's own listening socket is not a connection
                    earlier.add(key(e));
                }
            }
        }
        return new Since(table, serverPort, earlier);
    }

    private static String key(TcpEntry e) {
        return e.local() + ">" + e.remote();
    }

    /**
     * TIME_WAIT counts of one server port that leave out the rows present before its first connection.
     *
     * <p>Thread-safety: immutable; safe from any thread.
     */
    public static final class Since {
        private final TcpTable table;
        private final int port;
        private final Set<String> earlier;

        private Since(TcpTable table, int port, Set<String> earlier) {
            this.table = table;
            this.port = port;
            this.earlier = Set.copyOf(earlier);
        }

        /** Rows that used the port before the server's first connection (left out of the counts). */
        public int earlierRows() {
            return earlier.size();
        }

        /** Both sides from one table read, without the earlier rows; -1 each where the table cannot be read. */
        public Counts count() {
            return TimeWaitCounter.count(table.snapshot(), port, earlier);
        }

        /**
         * The TIME_WAIT rows {@link #count()} would count now, as {@code local>remote}, for an assertion's message:
         * which connections they were tells a server's own close from a row it should not have counted.
         */
        public List<String> rows() {
            TcpSnapshot s = table.snapshot();
            return s.supported() ? timeWaitOn(s, port, earlier).stream().map(TimeWaitCounter::key).toList() : List.of();
        }
    }
}
