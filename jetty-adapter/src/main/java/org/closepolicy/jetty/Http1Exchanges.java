package org.closepolicy.jetty;

import org.closepolicy.CloseMode;
import org.closepolicy.Closer;
import org.closepolicy.Decision;
import org.closepolicy.HttpVersion;
import org.closepolicy.Retire;
import org.closepolicy.RetireReason;
import org.closepolicy.Reuse;
import org.closepolicy.spi.CloseStateMachine;
import org.closepolicy.spi.DrainStep;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpHeaderValue;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.http.MetaData;
import org.eclipse.jetty.http.PreEncodedHttpField;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.server.ConnectionMetaData;
import org.eclipse.jetty.server.Request;

/**
 * The HTTP/1 exchanges of one connection, one after the other, as {@link ExchangeStream} reports them:
 * the request arrives, the response commits (the policy decides, and a retiring connection's response
 * says {@code Connection: close}), its last write retires the connection, and the exchange's end hands a
 * retired connection still open to a {@link DrainConnection}.
 * <pre>{@code
 * Http1Exchanges http1 = ControlLookup.http1Of(request, runtime);
 * if (http1.beginExchange(request, version)) {
 *     request.addHttpStreamWrapper(stream -> new ExchangeStream(stream, http1, request));
 * }
 * }</pre>
 * On a plain connector (no {@link ClosePolicyEndPoint}) only the reuse decisions are made here: no
 * machine, no lock, no close of ours.
 *
 * <p>Thread-safety: thread-safe; the state is guarded by the connection's lock on a
 * {@link ClosePolicyEndPoint}; without one the exchanges follow each other on Jetty's threads with a
 * happens-before between them.
 */
final class Http1Exchanges {

    private static final HttpField CHUNKED = new PreEncodedHttpField(HttpHeader.TRANSFER_ENCODING, HttpHeaderValue.CHUNKED.asString());

    private final ConnectionControl c;

    // Guarded by the lock on a ClosePolicyEndPoint; read by the endpoint's events and the drain as well.
    boolean exchangeActive;
    boolean peerFinPending; // the client half-closed with a request in flight: answered first
    private volatile Retire pendingRetire;
    private volatile HttpVersion version = HttpVersion.NONE;
    private volatile boolean headRequest;
    private volatile boolean bodyDone = true;

    Http1Exchanges(ConnectionControl control) {
        this.c = control;
    }

    /**
     * Takes the lock when another thread can touch this connection's state: always on a
     * {@link ClosePolicyEndPoint}; with reuse decisions only, the exchanges of a connection follow
     * each other on Jetty's threads with a happens-before between them, so no lock is needed.
     */
    private void lock() {
        if (c.endPoint != null) {
            c.lock.lock();
        }
    }

    private void unlock() {
        if (c.endPoint != null) {
            c.lock.unlock();
        }
    }

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
        long now = c.runtime.ticker().nanos();
        lock();
        try {
            if (exchangeActive) {
                return false;
            }
            exchangeActive = true;
            version = v;
            headRequest = head;
            bodyDone = !bodyExpected;
            c.onRequest(v, clientClose, now);
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
        long now = c.runtime.ticker().nanos();
        boolean appClose = false;
        Retire retire = null;
        Reuse reuse = null;
        lock();
        try {
            if (c.endPoint != null) {
                c.syncBytes(connection, now);
            }
            if (c.retired) {
                // Already closing (an idle close raced with a new request): this response is the last.
                persistent = false;
            } else {
                c.onResponse(eof, !bodyDone, now);
                Decision d = c.runtime.policy().decide(c, now);
                if (d instanceof Retire r) {
                    retire = r;
                } else {
                    appClose = headers.contains(HttpHeader.CONNECTION, HttpHeaderValue.CLOSE.asString());
                    if (appClose || !persistent) {
                        retire = c.runtime.retireForced(c, now);
                    } else if (c.drainRequested()) {
                        retire = c.runtime.retireAnnounced(c, RetireReason.DRAIN, c.unreadInput());
                    } else {
                        reuse = (Reuse) d;
                    }
                }
                if (retire != null) {
                    ConnectionDrain.step(c, DrainStep.ANNOUNCED);
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
            if (retire != null && c.endPoint == null) {
                c.runtime.listener().onRetire(c, retire);
            }
        } else if (reuse != null) {
            c.runtime.listener().onReuse(c);
            c.applyIdleTimeout(reuse, connection);
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
     * ({@link ConnectionControl#onShutdownOutput}), or at the latest when the exchange is over.
     *
     * <p>Before an RST in reply to the client's FIN can be planned, one look at the input: a FIN
     * already there, before the last write even started, comes from a client that half-closed after
     * its request and may not read the response until later; it gets a passive close, never an RST,
     * which could destroy bytes still in flight. A FIN seen only after the response was written gets
     * the RST once the ack check proves every byte acknowledged (Java cannot read the socket's own
     * count; see rule 0).
     */
    void onLastSend() {
        if (c.endPoint == null || pendingRetire == null) {
            return;
        }
        c.lock.lock();
        try {
            Retire r = pendingRetire;
            if (r == null || c.isRetired()) {
                return;
            }
            pendingRetire = null;
            CloseStateMachine machine = c.machine();
            c.transport().deferTimer(); // under the lock
            c.retireNow(r, false);
            // Not under TLS: a raw read would take bytes out of the middle of a TLS record.
            if (!peerFinPending && r.closer() == Closer.CLIENT_FIRST && r.mode() == CloseMode.RST && bodyDone
                    && c.endPoint.tlsEndPoint() == null) {
                long n = c.endPoint.probeInput(); // only bytes after the request: discarded anyway
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
            c.lock.unlockAndPerform();
        }
    }

    /**
     * The last send returned (its write done, or pending in Jetty). A small response is usually
     * written within the send, and then the machine has already traded its flush bound for the
     * client wait: only the timer it wants now is armed, one scheduler call instead of a schedule
     * and a cancel more per connection.
     */
    void afterLastSend() {
        // Only this thread, in onLastSend, opens the deferral (under the lock): reading it here without the lock is
        // safe, and a response that does not retire takes no lock here.
        JettyTransport t = c.transport();
        if (t == null || !t.timerDeferred()) {
            return;
        }
        c.lock.lock();
        try {
            t.endTimerDeferral();
        } finally {
            c.lock.unlock();
        }
    }

    /**
     * Tells the machine that the last response is written (under the lock). Jetty also ends a failed
     * exchange this way: when its last write failed because the peer reset the connection, that reset
     * is what ended it, not a close of the server's (which would say {@code LOCAL_FIN} and put the
     * TIME_WAIT on the server).
     */
    void flushed() {
        if (c.closeState() == CloseStateMachine.State.DRAINING_RESPONSE) {
            CloseStateMachine machine = c.machine();
            if (c.peerResetSeen) {
                // Not synced: Jetty counts the bytes handed to the failed write, not those that left.
                machine.onPeerReset();
                return;
            }
            // Count the last response before the machine may close and report the connection.
            Connection connection = c.endPoint == null ? null : c.endPoint.applicationEndPoint().getConnection();
            if (connection instanceof org.eclipse.jetty.server.AbstractMetaDataConnection) {
                c.syncBytes(connection, c.runtime.ticker().nanos());
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
        if (c.endPoint == null) {
            exchangeActive = false; // reuse decisions only: the exchange's own thread is the only one here
            pendingRetire = null;
            return null;
        }
        boolean drain = false;
        c.lock.lock();
        try {
            exchangeActive = false;
            pendingRetire = null;
            if (c.managed()) {
                if (!persistent && !c.isRetired() && !peerFinPending) {
                    c.retireNow(c.runtime.retireForced(c, c.runtime.ticker().nanos()), true);
                }
                flushed(); // if Jetty did not ask for a FIN after the last write
                drain = c.isRetired() && !c.isClosed();
            }
        } finally {
            c.lock.unlockAndPerform();
        }
        return drain && c.endPoint.isOpen() ? new DrainConnection(c.endPoint.applicationEndPoint(), c.executor, c) : null;
    }

    /** The connection became HTTP/2 (under the lock): an h2c upgrade's HTTP/1.1 request is over. */
    void upgradedToHttp2() {
        exchangeActive = false;
        pendingRetire = null;
    }

    /** Whether this connection's close is carried out here (a managed HTTP/1 endpoint). */
    boolean managesClose() {
        return c.endPoint != null && c.managed();
    }
}
