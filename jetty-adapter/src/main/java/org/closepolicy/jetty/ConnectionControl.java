package org.closepolicy.jetty;

import org.closepolicy.spi.AdapterRuntime;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.Locale;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.ReentrantLock;
import org.closepolicy.CloseMode;
import org.closepolicy.Closer;
import org.closepolicy.FallbackReason;
import org.closepolicy.HttpVersion;
import org.closepolicy.Protocol;
import org.closepolicy.Retire;
import org.closepolicy.RetireReason;
import org.closepolicy.Reuse;
import org.closepolicy.Decision;
import org.closepolicy.spi.AckCheck;
import org.closepolicy.spi.CloseStateMachine;
import org.closepolicy.spi.Durations;
import org.closepolicy.kernel.AckResult;
import org.closepolicy.spi.ConnectionRecord;
import org.closepolicy.spi.ConnectionRegistry;
import org.closepolicy.spi.DrainStep;
import org.closepolicy.spi.DrainableConnection;
import org.closepolicy.spi.LoadMonitor;
import org.closepolicy.spi.Transport;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpHeaderValue;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.http.MetaData;
import org.eclipse.jetty.http.PreEncodedHttpField;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.io.ssl.SslConnection;
import org.eclipse.jetty.server.ConnectionMetaData;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.util.thread.Scheduler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The policy state of one connection: its {@link ConnectionRecord}, and, when the connection runs on
 * a {@link ClosePolicyEndPoint}, its {@link CloseStateMachine} and the {@link Transport} the machine
 * drives. Events come from Jetty's selector and worker threads, the scheduler and the ack watcher;
 * each takes this connection's lock, feeds the machine, and carries out the socket operation the
 * machine asked for only after releasing the lock, so no Jetty lock is ever taken under ours.
 *
 * <p>Over TLS the endpoint is the raw TCP one below Jetty's {@link SslConnection}: the FIN and the RST
 * happen here, the {@code close_notify} above it. A graceful close goes through the decrypting
 * endpoint, so that {@code close_notify} precedes the FIN; an RST does not (it would be discarded
 * with the send queue anyway). The client's {@code close_notify} counts as its FIN: its TCP FIN
 * follows at once, and Jetty does not read the socket again to see it.
 *
 * <p>On an HTTP/2 connection each stream is one exchange. A retirement sends one {@code GOAWAY}
 * with the last stream id, lets the streams in flight end (bounded by {@link Retire#drainTimeout()},
 * then resets them), and only then hands the connection to the close state machine: client-first
 * waits for the client's FIN, which a client sends once it has seen the {@code GOAWAY} and its
 * streams are done. Until then the client's last frames (its own {@code GOAWAY}) are read and
 * discarded below Jetty, whose session would otherwise close the socket first.
 *
 * <p>Without an endpoint (a plain {@code ServerConnector} with only the customizer) it makes reuse
 * decisions only.
 *
 * <p>Thread-safety: thread-safe.
 */
final class ConnectionControl implements Transport {

    private static final Logger LOG = LoggerFactory.getLogger(ConnectionControl.class);

    /** Connection attribute holding the control when the endpoint is not a {@link ClosePolicyEndPoint}. */
    static final String ATTRIBUTE = ConnectionControl.class.getName();

    private static final HttpField CHUNKED = new PreEncodedHttpField(HttpHeader.TRANSFER_ENCODING, HttpHeaderValue.CHUNKED.asString());
    private static final int OP_SHUTDOWN = 1;
    private static final int OP_CLOSE = 2;
    private static final int OP_RESET = 4;
    private static final long NO_DEADLINE = Long.MIN_VALUE;

    private final AdapterRuntime runtime;
    private final ClosePolicyEndPoint endPoint; // null: reuse decisions only
    private final Scheduler scheduler;
    private final Executor executor;
    private final ConnectionRecord record;
    private final CloseStateMachine machine; // null: reuse decisions only
    private final ReentrantLock lock = new ReentrantLock();
    private final Runnable timerTask = this::onTimer;

    // Guarded by the lock on a ClosePolicyEndPoint; without one, used by the exchanges one after the other.
    private int ops;
    private volatile Retire pendingRetire;
    private boolean exchangeActive;
    private boolean peerFinPending;
    private volatile HttpVersion version = HttpVersion.NONE;
    private volatile boolean headRequest;
    private long seenBytesIn;
    private long seenBytesOut;
    private Scheduler.Task timer;
    private boolean deferTimer; // within the last send: the machine's timer is armed when the send returns
    private long deferredDeadline; // when deferTimer: the ticker time the machine asked for, or NO_DEADLINE
    private final AckCheck acks = new AckCheck(); // a result of an earlier, cancelled watch settles nothing
    // HTTP/2, guarded by the lock.
    private volatile Connection http2; // the HTTP/2 connection, once ALPN or an upgrade chose it
    private int openStreams;
    private volatile Retire draining; // GOAWAY decided, streams still in flight; the machine is still OPEN
    private boolean goAwayWritten;
    private Scheduler.Task reuseTimer; // the maximum age, or the drain's deadline
    private final Runnable reuseTask = this::onReuseTimer;

    private volatile boolean retired;
    private volatile boolean peerResetSeen;
    private volatile boolean bodyDone = true;
    private volatile boolean closed;
    private volatile boolean peerClosed; // the client's FIN or close_notify came
    // Drain, guarded by the lock (drainRequested is read without it by onCommit's fast path).
    private volatile boolean drainRequested;
    private boolean drainStarted;
    private long drainStartedAt;
    private long drainIdleGraceNanos;

    private ConnectionControl(AdapterRuntime runtime, ClosePolicyEndPoint endPoint, Scheduler scheduler, Executor executor,
                              InetSocketAddress remote, InetSocketAddress local, long openedAtNanos) {
        this.runtime = runtime;
        this.endPoint = endPoint;
        this.scheduler = scheduler;
        this.executor = executor;
        this.record = new ConnectionRecord(Protocol.HTTP1, remote, local, openedAtNanos, runtime.load(), runtime.peers());
        this.machine = endPoint == null ? null : new CloseStateMachine(this, record, runtime.ticker(), runtime.listener());
    }

    /** A control that owns the close of this endpoint. */
    static ConnectionControl forEndPoint(AdapterRuntime runtime, ClosePolicyEndPoint endPoint, Scheduler scheduler, Executor executor) {
        return new ConnectionControl(runtime, endPoint, scheduler, executor,
                inet(endPoint.getRemoteSocketAddress()), inet(endPoint.getLocalSocketAddress()), runtime.ticker().nanos());
    }

    /**
     * The control of the connection carrying this request: the endpoint's own when the connection
     * runs directly on a {@link ClosePolicyEndPoint}, else one kept in a connection attribute (reuse
     * decisions only).
     */
    static ConnectionControl of(Request request, AdapterRuntime runtime) {
        ConnectionMetaData meta = request.getConnectionMetaData();
        Connection connection = meta.getConnection();
        ClosePolicyEndPoint cp = connection == null ? null : below(connection.getEndPoint());
        if (cp != null) {
            return cp.control();
        }
        Object existing = meta.getAttribute(ATTRIBUTE);
        if (existing instanceof ConnectionControl c) {
            return c;
        }
        long now = runtime.ticker().nanos();
        long ageMillis = connection == null ? 0 : Math.max(0, System.currentTimeMillis() - connection.getCreatedTimeStamp());
        ConnectionControl c = new ConnectionControl(runtime, null, null, null, inet(meta.getRemoteSocketAddress()),
                inet(meta.getLocalSocketAddress()), now - TimeUnit.MILLISECONDS.toNanos(ageMillis));
        meta.setAttribute(ATTRIBUTE, c);
        return c;
    }

    /**
     * The control of this HTTP/2 connection when it runs on a {@link ClosePolicyEndPoint} (directly
     * or below TLS), else null: on a plain connector HTTP/2 passes through untouched.
     */
    static ConnectionControl ofHttp2(Connection connection) {
        ClosePolicyEndPoint cp = connection == null ? null : below(connection.getEndPoint());
        if (cp == null || !Http2Sessions.isHttp2(connection)) {
            return null;
        }
        ConnectionControl c = cp.control();
        c.onHttp2(connection); // in case the connector's listener did not see it open
        return c;
    }

    /** The {@link ClosePolicyEndPoint} under this endpoint (itself, or the one below TLS), or null. */
    static ClosePolicyEndPoint below(EndPoint ep) {
        EndPoint e = ep;
        while (e instanceof EndPoint.Wrapper w && !(e instanceof ClosePolicyEndPoint)) {
            e = w.unwrap();
        }
        return e instanceof ClosePolicyEndPoint cp ? cp : null;
    }

    private static InetSocketAddress inet(SocketAddress a) {
        return a instanceof InetSocketAddress i ? i : null;
    }

    ConnectionRecord record() {
        return record;
    }

    boolean isRetired() {
        return retired;
    }

    /**
     * Takes the lock when another thread can touch this connection's state: always on a
     * {@link ClosePolicyEndPoint}; with reuse decisions only, the exchanges of a connection follow
     * each other on Jetty's threads with a happens-before between them, so no lock is needed.
     */
    private void lock() {
        if (machine != null) {
            lock.lock();
        }
    }

    private void unlock() {
        if (machine != null) {
            lock.unlock();
        }
    }

    /** Retires the connection now (under the lock). */
    private void retireNow(Retire r, boolean flushed) {
        retired = true;
        machine.retire(r, flushed);
    }

    // ---------------------------------------------------------------- exchange side (customizer, stream)

    /**
     * A request arrived. Returns false when this request is already tracked (two closepolicy
     * customizers on one configuration), so only the first one wraps the stream.
     */
    boolean beginExchange(Request request, org.eclipse.jetty.http.HttpVersion jettyVersion) {
        HttpVersion v = jettyVersion == org.eclipse.jetty.http.HttpVersion.HTTP_1_0 ? HttpVersion.HTTP_1_0 : HttpVersion.HTTP_1_1;
        boolean close = false;
        boolean keepAlive = false;
        boolean chunked = false;
        for (HttpField f : request.getHeaders()) { // one pass over the request's fields
            HttpHeader h = f.getHeader();
            if (h == HttpHeader.CONNECTION) {
                close |= f.contains(HttpHeaderValue.CLOSE.asString());
                keepAlive |= f.contains(HttpHeaderValue.KEEP_ALIVE.asString());
            } else if (h == HttpHeader.TRANSFER_ENCODING) {
                chunked = true;
            }
        }
        boolean keepAlive10 = v == HttpVersion.HTTP_1_0 && keepAlive;
        boolean clientClose = close || (v == HttpVersion.HTTP_1_0 && !keepAlive10);
        long length = request.getLength();
        boolean bodyExpected = length > 0 || (length < 0 && chunked);
        boolean head = HttpMethod.HEAD.is(request.getMethod());
        long now = runtime.ticker().nanos();
        lock();
        try {
            if (exchangeActive) {
                return false;
            }
            exchangeActive = true;
            version = v;
            headRequest = head;
            bodyDone = !bodyExpected;
            record.onRequest(v, clientClose, now);
            return true;
        } finally {
            unlock();
        }
    }

    /** The application read the last chunk of the request body. */
    void onBodyDone() {
        bodyDone = true;
    }

    /**
     * The response is about to be committed (called under Jetty's request lock, with its mutable
     * headers): decide now, and when retiring mark the response as the last one.
     */
    void onCommit(HttpFields.Mutable headers, ConnectionMetaData meta) {
        HttpVersion v = version;
        // HTTP/1.0 cannot chunk: without a length the client reads to EOF (rule 2). With one, whether it reads
        // to EOF anyway is what the core learns per peer.
        boolean eof = v == HttpVersion.HTTP_1_0 && !headRequest && !headers.contains(HttpHeader.CONTENT_LENGTH);
        boolean persistent = meta.isPersistent();
        Connection connection = meta.getConnection();
        long now = runtime.ticker().nanos();
        boolean appClose = false;
        Retire retire = null;
        Reuse reuse = null;
        lock();
        try {
            if (machine != null) {
                syncBytes(connection, now);
            }
            if (retired) {
                // Already closing (an idle close raced with a new request): this response is the last.
                persistent = false;
            } else {
                record.onResponse(eof, !bodyDone, now);
                Decision d = runtime.policy().decide(record, now);
                if (d instanceof Retire r) {
                    retire = r;
                } else {
                    appClose = headers.contains(HttpHeader.CONNECTION, HttpHeaderValue.CLOSE.asString());
                    if (appClose || !persistent) {
                        retire = runtime.retireForced(record, now);
                    } else if (drainRequested) {
                        retire = runtime.retireAnnounced(record, RetireReason.DRAIN, record.unreadInput());
                    } else {
                        reuse = (Reuse) d;
                    }
                }
                if (retire != null) {
                    drainStep(DrainStep.ANNOUNCED);
                }
                pendingRetire = retire;
            }
        } finally {
            unlock();
        }
        if (retire != null || !persistent) {
            if (!appClose && !headers.contains(HttpHeader.CONNECTION, HttpHeaderValue.CLOSE.asString())) {
                headers.add(HttpFields.CONNECTION_CLOSE);
            }
            if (retire != null && machine == null) {
                runtime.listener().onRetire(record, retire);
            }
        } else if (reuse != null) {
            runtime.listener().onReuse(record);
            applyIdleTimeout(reuse, connection);
        }
    }

    /** Brings the record's byte counters up to Jetty's (cheaper than counting every read and write). */
    private void syncBytes(Connection connection, long now) {
        if (connection != null) {
            long in = connection.getBytesIn();
            long out = connection.getBytesOut();
            if (in != seenBytesIn) {
                record.addBytesIn(Math.max(0, in - seenBytesIn), now);
                seenBytesIn = in;
            }
            if (out != seenBytesOut) {
                record.addBytesOut(Math.max(0, out - seenBytesOut), now);
                seenBytesOut = out;
            }
        }
    }

    private void applyIdleTimeout(Reuse reuse, Connection connection) {
        EndPoint ep = endPoint != null ? endPoint : connection == null ? null : connection.getEndPoint();
        if (ep != null) {
            long ms = Math.max(1, reuse.idleTimeoutNanos() / 1_000_000);
            if (ep.getIdleTimeout() != ms) {
                ep.setIdleTimeout(ms);
            }
        }
    }

    /**
     * The committed response's framing. Jetty frames a non-persistent HTTP/1.1 response of unknown
     * length by EOF, which would make a client-first close stall the client: ask for chunking instead,
     * so the client sees the end of the response by itself and closes first.
     */
    MetaData.Response frame(MetaData.Response response) {
        if (version != HttpVersion.HTTP_1_1 || headRequest || response.getContentLength() >= 0) {
            return response;
        }
        int status = response.getStatus();
        if (HttpStatus.isInformational(status) || status == HttpStatus.NO_CONTENT_204 || status == HttpStatus.NOT_MODIFIED_304) {
            return response;
        }
        HttpFields fields = response.getHttpFields();
        if (fields == null || fields.contains(HttpHeader.CONTENT_LENGTH) || fields.contains(HttpHeader.TRANSFER_ENCODING)
                || !fields.contains(HttpHeader.CONNECTION, HttpHeaderValue.CLOSE.asString())) {
            return response;
        }
        HttpFields.Mutable framed = HttpFields.build(fields).add(CHUNKED);
        return new MetaData.Response(status, response.getReason(), response.getHttpVersion(), framed,
                response.getContentLength(), response.getTrailersSupplier());
    }

    /**
     * The last write of the response is about to start: retire now. The machine learns that the
     * response is flushed when Jetty asks to shut the output down after that write
     * ({@link #onShutdownOutput}), or at the latest when the exchange is over.
     *
     * <p>Before an RST in reply to the client's FIN can be planned, one look at the input: a FIN
     * already there, before the last write even started, comes from a client that half-closed after
     * its request and may not read the response until later; it gets a passive close, never an RST,
     * which could destroy bytes still in flight. A FIN seen only after the response was written is
     * taken as the client's close after reading it (rule 0); Java cannot read the socket's
     * unacknowledged byte count, which would settle the rare FIN that arrives during the last write.
     */
    void onLastSend() {
        if (machine == null || pendingRetire == null) {
            return;
        }
        lock.lock();
        try {
            Retire r = pendingRetire;
            if (r == null || machine.isRetired()) {
                return;
            }
            pendingRetire = null;
            deferTimer = true;
            deferredDeadline = NO_DEADLINE;
            retireNow(r, false);
            // Not under TLS: a raw read would take bytes out of the middle of a TLS record.
            if (!peerFinPending && r.closer() == Closer.CLIENT_FIRST && r.mode() == CloseMode.RST && bodyDone && tls() == null) {
                long n = endPoint.probeInput(); // only bytes after the request: discarded anyway
                if (n > 0) {
                    machine.onInput(n);
                } else if (n < 0) {
                    peerFinPending = true;
                }
            }
            if (peerFinPending) {
                peerFinPending = false;
                machine.onPeerFin();
            }
        } finally {
            int o = takeOps();
            lock.unlock();
            perform(o);
        }
    }

    /**
     * The last send returned (its write done, or pending in Jetty). A small response is usually
     * written within the send, and then the machine has already traded its flush bound for the
     * client wait: only the timer it wants now is armed, one scheduler call instead of a schedule
     * and a cancel more per connection.
     */
    void afterLastSend() {
        // Only this thread, in onLastSend, opens the deferral: a response that does not retire takes no lock here.
        if (machine == null || !deferTimer) {
            return;
        }
        lock.lock();
        try {
            deferTimer = false;
            long at = deferredDeadline;
            deferredDeadline = NO_DEADLINE;
            if (at != NO_DEADLINE) {
                arm(at - runtime.ticker().nanos());
            }
        } finally {
            lock.unlock();
        }
    }

    /** The retired connection's last response is written. */
    void onFlushed() {
        lock.lock();
        try {
            flushed();
        } finally {
            int o = takeOps();
            lock.unlock();
            perform(o);
        }
    }

    /**
     * Tells the machine that the last response is written (under the lock). Jetty also ends a failed
     * exchange this way: when its last write failed because the peer reset the connection, that reset
     * is what ended it, not a close of the server's (which would say {@code LOCAL_FIN} and put the
     * TIME_WAIT on the server).
     */
    private void flushed() {
        if (machine.state() == CloseStateMachine.State.DRAINING_RESPONSE) {
            if (peerResetSeen) {
                // Not synced: Jetty counts the bytes handed to the failed write, not those that left.
                machine.onPeerReset();
                return;
            }
            // Count the last response before the machine may close and report the connection.
            Connection c = endPoint == null ? null : applicationEndPoint().getConnection();
            if (c instanceof org.eclipse.jetty.server.AbstractMetaDataConnection) {
                syncBytes(c, runtime.ticker().nanos());
            }
            machine.onResponseFlushed();
        }
    }

    /**
     * The exchange completed (every write done). If Jetty decided on its own, after the response was
     * committed, not to keep the connection (a request body left unread), retire it now. Returns the
     * connection that must take over a retired, still open connection from Jetty's, or null.
     */
    Connection endExchange(boolean persistent) {
        if (machine == null) {
            exchangeActive = false; // reuse decisions only: the exchange's own thread is the only one here
            pendingRetire = null;
            return null;
        }
        boolean drain = false;
        lock.lock();
        try {
            exchangeActive = false;
            pendingRetire = null;
            if (managed()) {
                if (!persistent && !machine.isRetired() && !peerFinPending) {
                    retireNow(runtime.retireForced(record, runtime.ticker().nanos()), true);
                }
                flushed(); // if Jetty did not ask for a FIN after the last write
                drain = machine.isRetired() && !machine.isClosed();
            }
        } finally {
            int o = takeOps();
            lock.unlock();
            perform(o);
        }
        return drain && endPoint.isOpen() ? new DrainConnection(applicationEndPoint(), executor, this) : null;
    }

    // ---------------------------------------------------------------- HTTP/2 side

    /**
     * Jetty opened an HTTP/2 connection on this endpoint (ALPN chose h2, or h2c by upgrade or prior
     * knowledge): from now on each stream is an exchange, and the maximum age has a timer.
     */
    void onHttp2(Connection connection) {
        if (machine == null) {
            return;
        }
        Reuse reuse = null;
        lock.lock();
        try {
            if (http2 != null || machine.isRetired()) {
                return;
            }
            http2 = connection;
            record.protocol(Protocol.HTTP2);
            // An h2c upgrade arrives as an HTTP/1.1 request that Jetty hands over to the new connection.
            exchangeActive = false;
            pendingRetire = null;
            long now = runtime.ticker().nanos();
            if (runtime.policy().decide(record, now) instanceof Reuse r) {
                reuse = r;
                armAgeTimer(r, now);
            }
        } finally {
            lock.unlock();
        }
        if (reuse != null) {
            applyIdleTimeout(reuse, null);
        }
    }

    /** An HTTP/2 stream (one request) begins. */
    void beginStream() {
        lock.lock();
        try {
            openStreams++;
            record.onRequest(HttpVersion.HTTP_2, false, runtime.ticker().nanos());
        } finally {
            lock.unlock();
        }
    }

    /** The last frame of an HTTP/2 stream's response is being written: the response counts as served. */
    void streamResponded() {
        lock.lock();
        try {
            record.onResponse(false, false, runtime.ticker().nanos());
        } finally {
            lock.unlock();
        }
    }

    /**
     * An HTTP/2 stream ended: decide, and start or finish the drain of a retired connection.
     *
     * @param uncounted whether its response was not counted by {@link #streamResponded} (a failed stream)
     */
    void endStream(boolean uncounted) {
        Retire start = null;
        Reuse reuse = null;
        boolean drained;
        lock.lock();
        try {
            openStreams = Math.max(0, openStreams - 1);
            long now = runtime.ticker().nanos();
            syncBytes(http2, now);
            if (uncounted) {
                record.onResponse(false, false, now);
            }
            if (draining == null && !machine.isRetired()) {
                Decision d = runtime.policy().decide(record, now);
                if (d instanceof Retire r) {
                    start = draining = r;
                } else {
                    reuse = (Reuse) d;
                }
            }
            drained = drained();
        } finally {
            lock.unlock();
        }
        if (start != null) {
            startDrain(start);
        } else if (reuse != null) {
            runtime.listener().onReuse(record);
            applyIdleTimeout(reuse, null);
        }
        if (drained) {
            finishDrain(false);
        }
    }

    /** Whether the GOAWAY of a draining connection is written and its last stream ended (under the lock). */
    private boolean drained() {
        return draining != null && goAwayWritten && openStreams == 0 && !machine.isRetired();
    }

    /** Sends the GOAWAY and arms the drain's deadline. */
    private void startDrain(Retire r) {
        LOG.debug("retiring {} with GOAWAY: {}", record, r);
        lock.lock();
        try {
            cancelReuseTimer();
            scheduleReuseTimer(Durations.nanos(r.drainTimeout()));
        } finally {
            lock.unlock();
        }
        Http2Sessions.goAway(http2, "retired: " + r.reason().name().toLowerCase(Locale.ROOT), this::onGoAwayWritten);
    }

    private void onGoAwayWritten() {
        boolean drained;
        lock.lock();
        try {
            goAwayWritten = true;
            drained = drained();
        } finally {
            lock.unlock();
        }
        if (drained) {
            finishDrain(false);
        }
    }

    /**
     * The drain is over: the streams ended, or the drain timeout ran out and the streams still open
     * are reset. Now the close policy's who and how run, as after the last response of HTTP/1.
     */
    private void finishDrain(boolean timedOut) {
        if (timedOut) {
            int n = Http2Sessions.cancelStreams(http2);
            LOG.debug("drain of {} timed out: {} streams reset", record, n);
        }
        lock.lock();
        try {
            Retire r = draining;
            if (r == null || machine.isRetired()) {
                return;
            }
            draining = null;
            cancelReuseTimer();
            retireNow(r, true);
        } finally {
            int o = takeOps();
            lock.unlock();
            perform(o);
        }
    }

    /** An idle HTTP/2 connection (no stream for the policy's idle timeout) is retired with a GOAWAY. */
    private void onHttp2Idle() {
        Retire r;
        lock.lock();
        try {
            if (machine.isRetired() || draining != null || openStreams > 0) {
                return; // the close policy's or the streams' own deadlines apply
            }
            record.idle();
            r = runtime.retireIdle(record, runtime.ticker().nanos());
            if (r == null) {
                return;
            }
            draining = r;
        } finally {
            lock.unlock();
        }
        startDrain(r);
    }

    /** The maximum age (with jitter) came, or the drain ran out of time. */
    private void onReuseTimer() {
        Retire start = null;
        boolean drainExpired = false;
        lock.lock();
        try {
            reuseTimer = null;
            if (closed || machine.isRetired()) {
                return;
            }
            if (draining != null) {
                drainExpired = true;
            } else {
                long now = runtime.ticker().nanos();
                if (openStreams > 0) {
                    record.touch(now); // busy: only its age can retire it now
                }
                Decision d = runtime.policy().decide(record, now);
                if (d instanceof Retire r) {
                    start = draining = r;
                } else {
                    armAgeTimer((Reuse) d, now);
                }
            }
        } finally {
            lock.unlock();
        }
        if (start != null) {
            startDrain(start);
        } else if (drainExpired) {
            finishDrain(true);
        }
    }

    /** Arms the timer at the connection's jittered maximum age, if it has one (under the lock). */
    private void armAgeTimer(Reuse reuse, long now) {
        long at = reuse.retireAtNanos(record);
        if (at != Long.MAX_VALUE) {
            scheduleReuseTimer(Math.max(0, at - now));
        }
    }

    private void scheduleReuseTimer(long delayNanos) {
        cancelReuseTimer();
        if (closed) {
            return;
        }
        try {
            reuseTimer = scheduler.schedule(reuseTask, delayNanos, TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException e) {
            LOG.debug("reuse timer rejected for {}", record, e);
        }
    }

    private void cancelReuseTimer() {
        Scheduler.Task t = reuseTimer;
        reuseTimer = null;
        if (t != null) {
            t.cancel();
        }
    }

    // ---------------------------------------------------------------- endpoint side

    void onOpen() {
        LoadMonitor monitor = runtime.load();
        if (monitor != null) {
            monitor.opened();
        }
        runtime.listener().onOpen(record);
        ConnectionRegistry registry = runtime.connections();
        if (registry != null && machine != null) {
            registry.register(new Drainable());
        }
    }

    // ---------------------------------------------------------------- drain side

    /** This connection as the connector's drain sees it: the work runs on Jetty's executor, under the lock. */
    private final class Drainable implements DrainableConnection {
        @Override
        public long id() {
            return record.id();
        }

        @Override
        public void drain(long idleGraceNanos) {
            drainRequested = true; // at once: a response committing before the task runs is already the last one
            execute(() -> startDraining(idleGraceNanos));
        }

        @Override
        public void cut() {
            execute(ConnectionControl.this::cutByDrain);
        }
    }

    private void execute(Runnable task) {
        try {
            executor.execute(task);
        } catch (RejectedExecutionException e) {
            task.run(); // the pool is stopping: nothing here blocks
        }
    }

    private void drainStep(DrainStep step) {
        ConnectionRegistry registry = runtime.connections();
        if (drainRequested && registry != null) {
            registry.step(record.id(), step);
        }
    }

    /**
     * The server drains: HTTP/2 sends its GOAWAY now; HTTP/1 retires with its next response (see onCommit), or,
     * quiet for the idle grace, by the policy's idle retirement.
     */
    private void startDraining(long idleGraceNanos) {
        Retire goAway = null;
        lock.lock();
        try {
            if (closed || machine.isClosed() || drainStarted) {
                return;
            }
            drainStarted = true;
            drainStartedAt = runtime.ticker().nanos();
            drainIdleGraceNanos = Math.max(0, idleGraceNanos);
            if (machine.isRetired() || draining != null) {
                return; // already closing the policy's way
            }
            if (http2 != null) {
                drainStep(DrainStep.GOAWAY);
                cancelReuseTimer();
                goAway = draining = runtime.retireAnnounced(record, RetireReason.DRAIN, record.unreadInput());
            } else {
                armDrainTimer(0);
            }
        } finally {
            lock.unlock();
        }
        if (goAway != null) {
            startDrain(goAway);
            boolean drained;
            lock.lock();
            try {
                drained = drained();
            } finally {
                lock.unlock();
            }
            if (drained) {
                finishDrain(false);
            }
        }
    }

    private void armDrainTimer(long delayNanos) {
        try {
            scheduler.schedule(this::onDrainTimer, delayNanos, TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException e) {
            LOG.debug("drain timer rejected for {}", record, e);
        }
    }

    /**
     * An HTTP/1 connection of a drain with no exchange in flight that has moved no byte for the idle grace
     * (since the drain began) ends by the policy's idle retirement; a request arriving before is answered with
     * {@code Connection: close} instead, which no idle close can race with.
     */
    private void onDrainTimer() {
        int o = 0;
        lock.lock();
        try {
            if (closed || machine.isRetired() || http2 != null || draining != null) {
                return;
            }
            long quiet = Math.min(TimeUnit.MILLISECONDS.toNanos(endPoint.getIdleFor()), runtime.ticker().nanos() - drainStartedAt);
            if (exchangeActive || quiet < drainIdleGraceNanos) {
                armDrainTimer(exchangeActive ? Math.max(drainIdleGraceNanos, TimeUnit.MILLISECONDS.toNanos(10))
                        : drainIdleGraceNanos - quiet);
                return;
            }
            drainStep(DrainStep.IDLE_CLOSED);
            record.idle();
            retireNow(runtime.retireUnannounced(record, RetireReason.DRAIN, record.unreadInput()), true);
        } finally {
            o = takeOps();
            lock.unlock();
            perform(o);
        }
    }

    /** The drain's deadline: close now, gracefully (a FIN after everything written). */
    private void cutByDrain() {
        int o = 0;
        lock.lock();
        try {
            if (closed || machine.isClosed()) {
                return;
            }
            retired = true;
            draining = null;
            cancelReuseTimer();
            machine.abort();
        } finally {
            o = takeOps();
            lock.unlock();
            perform(o);
        }
    }

    /**
     * Whether the endpoint's connection (below TLS or not) speaks HTTP/1 or HTTP/2, the protocols
     * whose close this adapter shapes.
     */
    boolean managed() {
        if (endPoint == null) {
            return false;
        }
        Connection c = applicationEndPoint().getConnection();
        return c instanceof org.eclipse.jetty.server.AbstractMetaDataConnection || c instanceof DrainConnection
                || (c != null && c == http2);
    }

    /** The decrypting endpoint over TLS, else null. */
    private EndPoint tls() {
        return endPoint.getConnection() instanceof SslConnection ssl ? ssl.getSslEndPoint() : null;
    }

    /** The endpoint the HTTP connection runs on: the decrypting one over TLS, else the socket's. */
    private EndPoint applicationEndPoint() {
        EndPoint t = tls();
        return t != null ? t : endPoint;
    }

    /**
     * Whether the client's TLS {@code close_notify} arrived. Its TCP FIN follows at once, but Jetty
     * stops reading after the alert, so the socket's EOF may never be read: the alert stands for it.
     */
    private boolean tlsPeerClosed() {
        if (endPoint.getConnection() instanceof SslConnection ssl) {
            try {
                return ssl.getSSLEngine().isInboundDone();
            } catch (RuntimeException e) {
                return false;
            }
        }
        return false;
    }

    /**
     * Jetty wants to shut the output down: after the last write of a non-persistent response, on the
     * client's EOF, or to end a connection on its own. Returns true when the FIN must be sent now.
     */
    boolean onShutdownOutput() {
        if (endPoint.isShutdownByPolicy() || !managed()) {
            return true;
        }
        boolean tlsPeerClosed = tlsPeerClosed(); // over TLS Jetty shuts the output down after the client's close_notify
        lock.lock();
        try {
            if (machine.isClosed()) {
                return true;
            }
            if (tlsPeerClosed) {
                peerClosed();
            } else if (!machine.isRetired()) {
                if (peerFinPending) {
                    peerFinPending = false;
                    machine.onPeerFin();
                } else if (!exchangeActive) {
                    // Jetty ends the connection on its own (an error response outside any exchange).
                    retireNow(runtime.retireForced(record, runtime.ticker().nanos()), true);
                }
                // Within an exchange, its end retires the connection (see endExchange).
            } else {
                // After the last write of a retired connection's response: the machine decides about the FIN.
                flushed();
            }
        } finally {
            int o = takeOps();
            lock.unlock();
            perform(o);
        }
        return false;
    }

    /**
     * Whether the close policy has retired the connection and will close it itself: then the peer's
     * EOF must not make Jetty close the socket before the machine has answered it.
     */
    boolean closesItself() {
        if (machine == null || !retired) {
            return false;
        }
        lock.lock();
        try {
            return machine.isRetired() && !machine.isClosed();
        } finally {
            lock.unlock();
        }
    }

    /** Whether this connection's close is carried out here (a managed HTTP/1 endpoint). */
    boolean managesClose() {
        return machine != null && managed();
    }

    /**
     * A write failed: the peer reset (or already closed) the connection. Reported to the machine when
     * the exchange ends ({@link #flushed}) or the endpoint closes ({@link #onClosed}), whichever is first.
     */
    void onWriteFailed() {
        peerResetSeen = true;
    }

    /**
     * Input arrived. Returns true when it is to be discarded before Jetty sees it: on a retired
     * HTTP/2 connection, whose streams are over, the client's last frames (its own {@code GOAWAY})
     * would make Jetty's session close the socket at once, ahead of the client's FIN.
     */
    boolean onInput(long bytes) {
        if (!retired) {
            return false;
        }
        lock.lock();
        try {
            machine.onInput(bytes);
            return http2 != null && !machine.isClosed();
        } finally {
            int o = takeOps();
            lock.unlock();
            perform(o);
        }
    }

    /** The client's FIN (read returned -1). */
    void onPeerFin() {
        lock.lock();
        try {
            peerClosed();
        } finally {
            int o = takeOps();
            lock.unlock();
            perform(o);
        }
    }

    /** The client's FIN, or its TLS {@code close_notify} (under the lock). */
    private void peerClosed() {
        peerClosed = true;
        if (retireDraining()) {
            machine.onPeerFin(); // streams in flight: a passive close once they are cut, never an RST
            machine.onResponseFlushed();
        } else if (!machine.isRetired() && exchangeActive && http2 == null) {
            // The client half-closed with a request in flight: answer it first.
            peerFinPending = true;
        } else {
            machine.onPeerFin();
        }
    }

    /**
     * When the peer or Jetty ends an HTTP/2 connection whose streams are still draining, the
     * retirement already decided becomes the machine's, so the event says why (under the lock).
     */
    private boolean retireDraining() {
        Retire r = draining;
        if (r == null || machine.isRetired()) {
            return false;
        }
        draining = null;
        cancelReuseTimer();
        retireNow(r, false);
        return true;
    }

    /** The read failed: the peer reset the connection. */
    void onPeerReset() {
        peerResetSeen = true;
        lock.lock();
        try {
            peerFinPending = false;
            retireDraining();
            machine.onPeerReset();
        } finally {
            int o = takeOps();
            lock.unlock();
            perform(o);
        }
    }

    /**
     * Jetty's idle timeout expired. Returns true when Jetty's default handling should run. While the
     * connection is retired the machine's own deadlines bound every wait, so the expiry is ignored;
     * between requests the policy decides how an idle connection ends.
     */
    boolean onIdleExpired(TimeoutException timeout) {
        if (!managed()) {
            return true;
        }
        lock.lock();
        try {
            if (machine.isClosed()) {
                return true;
            }
            if (machine.isRetired()) {
                return false;
            }
        } finally {
            lock.unlock();
        }
        if (http2 != null) {
            onHttp2Idle();
            return false;
        }
        Connection connection = endPoint.getConnection();
        if (connection != null && !connection.onIdleExpired(timeout)) {
            return false; // a request is in flight: Jetty fails it
        }
        lock.lock();
        try {
            if (machine.isRetired() || exchangeActive) {
                return false;
            }
            long now = runtime.ticker().nanos();
            record.idle();
            Retire r = runtime.retireIdle(record, now);
            if (r == null) {
                return false;
            }
            retireNow(r, true);
        } finally {
            int o = takeOps();
            lock.unlock();
            perform(o);
        }
        return false;
    }

    /**
     * The socket is about to be closed. When that is Jetty's own close while the policy waits for
     * the client's FIN (an HTTP/2 session ends at once on the client's answering {@code GOAWAY},
     * whose FIN follows right behind), one look at the input tells whether the FIN is already there:
     * then the close is the passive one it is on the wire, and {@code safe-reset} answers it.
     */
    void beforeClose() {
        if (machine == null || closed || !retired && draining == null) {
            return;
        }
        lock.lock();
        try {
            if (machine.state() != CloseStateMachine.State.AWAIT_PEER_FIN && (machine.isRetired() || draining == null)) {
                return;
            }
        } finally {
            lock.unlock();
        }
        long n = endPoint.probeInput();
        if (n == -1) {
            onPeerFin();
        } else if (n == -2) {
            onPeerReset();
        }
    }

    /** The endpoint closed, by the machine or by Jetty. */
    void onClosed(Throwable cause) {
        if (closed) {
            return;
        }
        lock.lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            cancelTimer();
            acks.cancel();
            retireDraining();
            cancelReuseTimer();
            if (!machine.isClosed()) {
                if (peerFinPending || tlsPeerClosed()) {
                    machine.onPeerFin();
                } else if (peerResetSeen) {
                    machine.onPeerReset();
                } else {
                    // Jetty closed it on its own (server stop, a timed-out or failed exchange): the server ended it.
                    machine.abort();
                }
            }
            ops = 0;
        } finally {
            lock.unlock();
        }
        LoadMonitor monitor = runtime.load();
        if (monitor != null) {
            monitor.closed();
        }
    }

    // ---------------------------------------------------------------- timers and ack watch

    private void onTimer() {
        lock.lock();
        try {
            timer = null;
            machine.onTimer();
        } finally {
            int o = takeOps();
            lock.unlock();
            perform(o);
        }
    }

    private void onAckSettled(int generation, AckResult result) {
        LOG.debug("ack watch of {} settled: {}", record, result);
        // On the watcher thread: hop to a Jetty thread.
        Runnable task = () -> settleAck(generation, result);
        try {
            executor.execute(task);
        } catch (RejectedExecutionException e) {
            task.run();
        }
    }

    private void settleAck(int generation, AckResult result) {
        lock.lock();
        try {
            if (!closed) {
                acks.settle(generation, result, machine); // nothing when cancelled meanwhile or replaced
            }
        } finally {
            int o = takeOps();
            lock.unlock();
            perform(o);
        }
    }

    // ---------------------------------------------------------------- Transport (called by the machine under the lock)

    @Override
    public void shutdownOutput() {
        ops |= OP_SHUTDOWN;
    }

    @Override
    public void close() {
        acks.cancel();
        ops |= OP_CLOSE;
    }

    @Override
    public void reset() {
        acks.cancel();
        ops |= OP_RESET;
    }

    @Override
    public void schedule(long delayNanos) {
        cancelTimer();
        if (deferTimer) {
            deferredDeadline = runtime.ticker().nanos() + Math.max(0, delayNanos);
            return;
        }
        arm(delayNanos);
    }

    /** Arms the machine's timer (under the lock). */
    private void arm(long delayNanos) {
        if (closed) {
            return;
        }
        try {
            timer = scheduler.schedule(timerTask, Math.max(0, delayNanos), TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException e) {
            // The scheduler is stopping with the server, which closes every endpoint.
            LOG.debug("timer rejected for {}", record, e);
        }
    }

    @Override
    public void cancelTimer() {
        deferredDeadline = NO_DEADLINE;
        Scheduler.Task t = timer;
        timer = null;
        if (t != null) {
            t.cancel();
        }
    }

    @Override
    public void watchAcks(long timeoutNanos) {
        InetSocketAddress local = record.localAddress();
        InetSocketAddress remote = record.remoteAddress();
        if (local == null || remote == null) {
            machine.onAckFailed(FallbackReason.ACK_CHECK_UNSUPPORTED);
            return;
        }
        acks.start(runtime.ackWatcher(), local, remote, timeoutNanos, this::onAckSettled);
    }

    private int takeOps() {
        int o = ops;
        ops = 0;
        return o;
    }

    /** Carries out the machine's socket operations; never under the lock. */
    private void perform(int o) {
        if (o == 0) {
            return;
        }
        if ((o & OP_SHUTDOWN) != 0) {
            endPoint.shutdownOutputByPolicy(tls());
        }
        if ((o & OP_RESET) != 0) {
            endPoint.resetByPolicy(); // no close_notify: the RST discards the send queue anyway
        } else if ((o & OP_CLOSE) != 0) {
            // Over TLS close_notify first (unless sent already), except to a client that has closed:
            // its kernel would answer the alert with an RST.
            (peerClosed ? endPoint : applicationEndPoint()).close();
        }
    }

    @Override
    public String toString() {
        return "ConnectionControl[" + record + ", " + machine + "]";
    }
}
