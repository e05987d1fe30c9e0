package org.closepolicy;

import java.net.InetSocketAddress;

/**
 * What a {@link ClosePolicy} may look at when it decides: a read-only view of one connection right
 * after an exchange (or when one of its timers fires).
 *
 * <p>Adapters implement it with one mutable object per connection
 * ({@link org.closepolicy.spi.ConnectionRecord}), so a decision allocates nothing. Policies must not
 * keep a reference to the view after {@code decide} returns.
 * <pre>{@code
 * ClosePolicy custom = (view, now) -> view.requestsServed() >= 100
 *         ? ClosePolicies.clientFirst().decide(view, now)
 *         : ClosePolicies.keepAlive().decide(view, now);
 * }</pre>
 *
 * <p>Thread-safety: a view is only read on the connection's own thread during {@code decide}.
 */
public interface ConnectionView {

    /** A process-unique id of the connection; also the seed of its jitter. */
    long id();

    /** The peer's address, or {@code null} for non-IP transports. */
    InetSocketAddress remoteAddress();

    /**
     * The peer's IPv4 address as an unsigned 32-bit number (an IPv4-mapped IPv6 peer counts as IPv4),
     * or {@code -1} when the peer is not IPv4. Address rules read it on every decision, so
     * implementations should compute it once ({@link org.closepolicy.spi.ConnectionRecord} does).
     * Default: derived from {@link #remoteAddress()}.
     */
    default long remoteIpv4() {
        InetSocketAddress r = remoteAddress();
        return r == null ? -1 : Cidr.ipv4(r.getAddress());
    }

    /** The local address, or {@code null} for non-IP transports. */
    InetSocketAddress localAddress();

    /** The protocol spoken. */
    Protocol protocol();

    /** The HTTP version of the last request, {@link HttpVersion#NONE} for non-HTTP. */
    HttpVersion httpVersion();

    /** Whether the client asked to close: {@code Connection: close}, or HTTP/1.0 without keep-alive. */
    boolean clientRequestedClose();

    /**
     * Whether the client can only see the end of the last response at EOF: a response with neither a
     * length nor chunked encoding (for HTTP/1.0: without a length). Such a client waits for the server's
     * FIN, so waiting for the client would stall it and an RST would fail it. An HTTP/1.0 response with a
     * length is not EOF-delimited: whether that peer reads to EOF anyway is its {@link #peerHabit()}.
     */
    boolean eofDelimited();

    /**
     * Whether request bytes the server did not read may be left (an early response before the body).
     * A kept connection goes on reading them (the codec consumes the rest of the request); a closing
     * one must drain them first, so a server-first FIN becomes a lingering close.
     */
    boolean unreadInput();

    /** Requests (or application exchanges) completed on this connection, including the one just finished. */
    long requestsServed();

    /** Bytes read from the peer. */
    long bytesIn();

    /** Bytes written to the peer. */
    long bytesOut();

    /** When the connection was accepted, in {@link Ticker} nanoseconds. */
    long openedAtNanos();

    /** Last read or write, in {@link Ticker} nanoseconds. */
    long lastActivityNanos();

    /**
     * What the adapter learned about this peer address: whether it closes first after a length-delimited
     * HTTP/1.0 response, or reads to EOF. Only asked for HTTP/1.0 exchanges that end the connection.
     * Default: {@link PeerHabit#UNKNOWN}; adapters' records read their runtime's
     * {@link org.closepolicy.spi.PeerMemory}.
     */
    default PeerHabit peerHabit() {
        return PeerHabit.UNKNOWN;
    }

    /** The server's load; {@link Load#NONE} when the adapter does not track it. */
    default Load load() {
        return Load.NONE;
    }
}
