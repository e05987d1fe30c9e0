package org.closepolicy.support;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import org.closepolicy.ConnectionView;
import org.closepolicy.HttpVersion;
import org.closepolicy.Load;
import org.closepolicy.PeerHabit;
import org.closepolicy.Protocol;

/**
 * A connection view with every field set by the test. Starts as an HTTP/1.1 keep-alive connection
 * from 192.0.2.10 that was opened at tick 0 and has served nothing yet.
 *
 * <p>Thread-safety: not thread-safe.
 */
public final class TestView implements ConnectionView {

    private long id = 1;
    private InetSocketAddress remote = address("192.0.2.10", 40_000);
    private InetSocketAddress local = address("192.0.2.1", 8080);
    private Protocol protocol = Protocol.HTTP1;
    private HttpVersion httpVersion = HttpVersion.HTTP_1_1;
    private boolean clientRequestedClose;
    private boolean eofDelimited;
    private boolean unreadInput;
    private long requestsServed;
    private long bytesIn;
    private long bytesOut;
    private long openedAt;
    private long lastActivity;
    private Load load = Load.NONE;
    private PeerHabit peerHabit = PeerHabit.UNKNOWN;

    /** A fresh HTTP/1.1 view. */
    public static TestView http11() {
        return new TestView();
    }

    /** An address literal with a port; never resolves names. */
    public static InetSocketAddress address(String literal, int port) {
        try {
            return new InetSocketAddress(InetAddress.getByName(literal), port);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(literal, e);
        }
    }

    /** A fixed load. */
    public static Load load(long open, long timeWait) {
        return new Load() {
            @Override
            public long openConnections() {
                return open;
            }

            @Override
            public long serverTimeWait() {
                return timeWait;
            }

            @Override
            public String toString() {
                return "Load[open=" + open + ", timeWait=" + timeWait + "]";
            }
        };
    }

    public TestView id(long v) {
        id = v;
        return this;
    }

    public TestView remote(InetSocketAddress v) {
        remote = v;
        return this;
    }

    public TestView remote(String literal) {
        remote = address(literal, 40_000);
        return this;
    }

    public TestView protocol(Protocol v) {
        protocol = v;
        return this;
    }

    public TestView httpVersion(HttpVersion v) {
        httpVersion = v;
        return this;
    }

    public TestView clientRequestedClose(boolean v) {
        clientRequestedClose = v;
        return this;
    }

    public TestView eofDelimited(boolean v) {
        eofDelimited = v;
        return this;
    }

    public TestView peerHabit(PeerHabit v) {
        peerHabit = v;
        return this;
    }

    @Override
    public PeerHabit peerHabit() {
        return peerHabit;
    }

    public TestView unreadInput(boolean v) {
        unreadInput = v;
        return this;
    }

    public TestView requestsServed(long v) {
        requestsServed = v;
        return this;
    }

    public TestView bytes(long in, long out) {
        bytesIn = in;
        bytesOut = out;
        return this;
    }

    public TestView openedAt(long v) {
        openedAt = v;
        return this;
    }

    public TestView lastActivity(long v) {
        lastActivity = v;
        return this;
    }

    /** Opened {@code age} before {@code now}, last active {@code idle} before {@code now}. */
    public TestView timing(long now, Duration age, Duration idle) {
        openedAt = now - age.toNanos();
        lastActivity = now - idle.toNanos();
        return this;
    }

    public TestView load(Load v) {
        load = v;
        return this;
    }

    /** A copy whose times are moved by {@code deltaNanos}. */
    public TestView shifted(long deltaNanos) {
        TestView c = new TestView();
        c.id = id;
        c.remote = remote;
        c.local = local;
        c.protocol = protocol;
        c.httpVersion = httpVersion;
        c.clientRequestedClose = clientRequestedClose;
        c.eofDelimited = eofDelimited;
        c.peerHabit = peerHabit;
        c.unreadInput = unreadInput;
        c.requestsServed = requestsServed;
        c.bytesIn = bytesIn;
        c.bytesOut = bytesOut;
        c.openedAt = openedAt + deltaNanos;
        c.lastActivity = lastActivity + deltaNanos;
        c.load = load;
        return c;
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
    public Load load() {
        return load;
    }

    @Override
    public String toString() {
        return "TestView[id=" + id + ", remote=" + remote + ", " + protocol + ", " + httpVersion
                + (clientRequestedClose ? ", client-close" : "") + (eofDelimited ? ", eof-delimited" : "")
                + (unreadInput ? ", unread-input" : "") + ", requests=" + requestsServed
                + ", openedAt=" + openedAt + ", lastActivity=" + lastActivity + ", " + load + "]";
    }
}
