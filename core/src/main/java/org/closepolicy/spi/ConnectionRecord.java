package org.closepolicy.spi;

import java.net.InetSocketAddress;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;
import org.closepolicy.ConnectionView;
import org.closepolicy.HttpVersion;
import org.closepolicy.Load;
import org.closepolicy.PeerHabit;
import org.closepolicy.Protocol;

/**
 * The mutable per-connection record adapters keep and hand to the policy as its
 * {@link ConnectionView}. One instance per connection, updated in place: deciding allocates nothing. An adapter's
 * own connection object is its record ({@link ConnectionClose} extends it), so that a kept connection is one
 * object less.
 *
 * <pre>{@code
 * ConnectionRecord rec = new ConnectionRecord(Protocol.HTTP1, remote, local, ticker.nanos(), load);
 * rec.onRequest(HttpVersion.HTTP_1_1, clientWantsClose, now);
 * rec.onResponse(eofDelimited, unreadInput, now);
 * Decision d = policy.decide(rec, now);
 * }</pre>
 *
 * <p>Thread-safety: not thread-safe; confined to the connection's thread.
 */
public class ConnectionRecord implements ConnectionView {

    private static final AtomicLong IDS = new AtomicLong();

    private final long id;
    private Protocol protocol;
    private final InetSocketAddress remote;
    private final InetSocketAddress local;
    private final long remoteIpv4;
    private final long openedAt;
    private final Load load;
    private final PeerMemory peers;
    private HttpVersion httpVersion = HttpVersion.NONE;
    private boolean clientRequestedClose;
    private boolean eofDelimited;
    private boolean unreadInput;
    private long requestsServed;
    private long bytesIn;
    private long bytesOut;
    private long lastActivity;

    /**
     * A record for a newly accepted connection.
     *
     * @param load the server's live load, or null for {@link Load#NONE}
     */
    public ConnectionRecord(Protocol protocol, InetSocketAddress remote, InetSocketAddress local, long openedAtNanos, Load load) {
        this(protocol, remote, local, openedAtNanos, load, null);
    }

    /**
     * A record for a newly accepted connection whose peer's HTTP/1.0 habit is looked up in, and taught to,
     * {@code peers} (the adapter runtime's memory; null: nothing learned, every HTTP/1.0 peer unknown).
     *
     * @param load the server's live load, or null for {@link Load#NONE}
     */
    public ConnectionRecord(Protocol protocol, InetSocketAddress remote, InetSocketAddress local, long openedAtNanos, Load load,
            PeerMemory peers) {
        this.peers = peers;
        this.id = IDS.incrementAndGet();
        this.protocol = protocol;
        this.remote = remote;
        this.local = local;
        this.remoteIpv4 = ConnectionView.super.remoteIpv4();
        this.openedAt = openedAtNanos;
        this.lastActivity = openedAtNanos;
        this.load = load == null ? Load.NONE : load;
    }

    /**
     * The connection turned out to speak another protocol than the one it was accepted with: TLS with
     * ALPN negotiated {@code h2}, or an HTTP/1.1 connection upgraded to {@code h2c}.
     */
    public void protocol(Protocol protocol) {
        this.protocol = Objects.requireNonNull(protocol, "protocol");
    }

    /** A request started: records its HTTP version and whether the client asked to close. */
    public void onRequest(HttpVersion version, boolean clientWantsClose, long nowNanos) {
        this.httpVersion = version;
        this.clientRequestedClose = clientWantsClose;
        this.lastActivity = nowNanos;
    }

    /** A response (or exchange) completed: counts it and records how the client sees its end. */
    public void onResponse(boolean eofDelimited, boolean unreadInput, long nowNanos) {
        this.requestsServed++;
        this.eofDelimited = eofDelimited;
        this.unreadInput = unreadInput;
        this.lastActivity = nowNanos;
    }

    /** Bytes read. */
    public void addBytesIn(long n, long nowNanos) {
        bytesIn += n;
        lastActivity = nowNanos;
    }

    /** Bytes written. */
    public void addBytesOut(long n, long nowNanos) {
        bytesOut += n;
        lastActivity = nowNanos;
    }

    /** Marks activity without bytes. */
    public void touch(long nowNanos) {
        lastActivity = nowNanos;
    }

    /** Clears per-exchange flags before an idle-timer decision. */
    public void idle() {
        eofDelimited = false;
        unreadInput = false;
    }

    @Override
    public long id() {
        return id;
    }

    @Override
    public InetSocketAddress remoteAddress() {
        return remote;
    }

    @Override
    public long remoteIpv4() {
        return remoteIpv4;
    }

    @Override
    public InetSocketAddress localAddress() {
        return local;
    }

    @Override
    public Protocol protocol() {
        return protocol;
    }

    @Override
    public HttpVersion httpVersion() {
        return httpVersion;
    }

    @Override
    public boolean clientRequestedClose() {
        return clientRequestedClose;
    }

    @Override
    public boolean eofDelimited() {
        return eofDelimited;
    }

    @Override
    public boolean unreadInput() {
        return unreadInput;
    }

    @Override
    public long requestsServed() {
        return requestsServed;
    }

    @Override
    public long bytesIn() {
        return bytesIn;
    }

    @Override
    public long bytesOut() {
        return bytesOut;
    }

    @Override
    public long openedAtNanos() {
        return openedAt;
    }

    @Override
    public long lastActivityNanos() {
        return lastActivity;
    }

    @Override
    public PeerHabit peerHabit() {
        return peers == null ? PeerHabit.UNKNOWN : peers.habit(remote);
    }

    /**
     * The outcome of a wait for this peer's FIN after a length-delimited HTTP/1.0 response (the close state
     * machine reports it): {@code closedFirst}, or it waited for EOF; {@code probed}: its habit was unknown.
     */
    public void learnedPeer(boolean closedFirst, boolean probed) {
        if (peers == null || remote == null) {
            return;
        }
        if (closedFirst) {
            peers.closedFirst(remote.getAddress(), probed);
        } else {
            peers.waitedForEof(remote.getAddress(), probed);
        }
    }

    @Override
    public Load load() {
        return load;
    }

    @Override
    public String toString() {
        return "Connection#" + id + "[" + remote + ", requests=" + requestsServed + "]";
    }
}
