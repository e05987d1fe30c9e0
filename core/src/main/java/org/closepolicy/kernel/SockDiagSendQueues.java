package org.closepolicy.kernel;

import java.io.IOException;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Send queues by exact sock_diag queries, with a table reader as the fallback for any tick where netlink fails
 * (the socket cannot be opened, an error, a truncated or missing answer). The next tick tries a fresh netlink
 * socket. A failed query never yields a send queue: its tick is answered by the fallback or not at all.
 *
 * <p>{@link #system()} prefers sock_diag when {@link SockDiag#isAvailable()}, else {@code /proc/net/tcp}; the
 * system property {@value #PATH_PROPERTY}{@code =proc} forces the table.
 *
 * <p>Thread-safety: used by one watcher thread.
 */
final class SockDiagSendQueues implements SendQueueReader {

    /** System property: {@code proc} forces the {@code /proc/net/tcp} reader; {@code auto} (default) prefers sock_diag. */
    static final String PATH_PROPERTY = "org.closepolicy.kernel.ackPath";

    private static final Logger LOG = LoggerFactory.getLogger(AckWatcher.class);
    private static final AtomicBoolean CHOICE_LOGGED = new AtomicBoolean();

    /** One netlink socket's worth of queries. */
    interface Query {
        void sendQueues(TupleKey[] keys, int n, long[] out) throws IOException;

        void close();
    }

    /** Opens a {@link Query}; {@code null} means "not now, read the table this tick"; throws when netlink fails. */
    interface Opener {
        Query open() throws IOException;
    }

    private final Opener opener;
    private final SendQueueReader fallback;
    private Query query;
    private AckPath lastPath = AckPath.SOCK_DIAG;
    private boolean failureLogged;

    SockDiagSendQueues(Opener opener, SendQueueReader fallback) {
        this.opener = opener;
        this.fallback = fallback;
    }

    /**
     * The reader for this process: sock_diag with the {@code /proc} table as fallback, or the table alone. Whether
     * sock_diag works is decided on a daemon thread; until then the table answers, so the first ack checks of a
     * process never wait for JNA to load.
     */
    static SendQueueReader system() {
        String property = System.getProperty(PATH_PROPERTY, "auto");
        if (choose(property, true) == AckPath.PROC_NET_TCP) {
            logChoice(AckPath.PROC_NET_TCP, PATH_PROPERTY + "=" + property);
            return TableSendQueues.system();
        }
        SockDiag.availabilityIfDecided(); // start deciding now, while the watcher has nothing to check yet
        return new SockDiagSendQueues(SockDiagSendQueues::openWhenDecided, TableSendQueues.system());
    }

    private static void logChoice(AckPath path, String why) {
        if (CHOICE_LOGGED.compareAndSet(false, true)) {
            if (path == AckPath.SOCK_DIAG) {
                LOG.info("Ack checks query the kernel by sock_diag netlink (exact 4-tuple, /proc/net/tcp as fallback)");
            } else {
                LOG.info("Ack checks read /proc/net/tcp once per tick; sock_diag not used: {}", why);
            }
        }
    }

    /** A query once sock_diag is known to work; {@code null} (the table answers) while undecided or unavailable. */
    private static Query openWhenDecided() throws IOException {
        Boolean available = SockDiag.availabilityIfDecided();
        if (available == null) {
            return null;
        }
        if (!available) {
            logChoice(AckPath.PROC_NET_TCP, SockDiag.unavailableReason().orElse("unknown"));
            return null;
        }
        logChoice(AckPath.SOCK_DIAG, "");
        return openSockDiag();
    }

    /** Pure choice: {@code proc} forces the table; {@code auto} (or anything else) uses sock_diag when available. */
    static AckPath choose(String property, boolean sockDiagAvailable) {
        if (isProc(property)) {
            return AckPath.PROC_NET_TCP;
        }
        return sockDiagAvailable ? AckPath.SOCK_DIAG : AckPath.PROC_NET_TCP;
    }

    private static boolean isProc(String property) {
        return property != null && property.trim().toLowerCase(Locale.ROOT).equals("proc");
    }

    private static Query openSockDiag() throws IOException {
        SockDiag diag = SockDiag.open();
        return new Query() {
            @Override
            public void sendQueues(TupleKey[] keys, int n, long[] out) throws IOException {
                diag.sendQueues(keys, n, out);
            }

            @Override
            public void close() {
                diag.close();
            }
        };
    }

    @Override
    public boolean read(TupleKey[] keys, int n, long[] out) {
        try {
            if (query == null) {
                query = opener.open();
                if (query == null) {
                    lastPath = fallback.path();
                    return fallback.read(keys, n, out);
                }
            }
            query.sendQueues(keys, n, out);
            lastPath = AckPath.SOCK_DIAG;
            return true;
        } catch (IOException | RuntimeException | LinkageError e) {
            if (!failureLogged) {
                failureLogged = true;
                LOG.warn("sock_diag query failed; this tick reads {} instead and the next one retries netlink "
                        + "(further failures at debug level)", fallback.path(), e);
            } else {
                LOG.debug("sock_diag query failed; falling back for this tick", e);
            }
            closeQuery();
            lastPath = fallback.path();
            return fallback.read(keys, n, out);
        }
    }

    @Override
    public AckPath path() {
        return lastPath;
    }

    @Override
    public void close() {
        closeQuery();
        fallback.close();
    }

    private void closeQuery() {
        Query q = query;
        query = null;
        if (q != null) {
            try {
                q.close();
            } catch (RuntimeException e) {
                LOG.debug("closing the sock_diag socket failed", e);
            }
        }
    }
}
