package org.closepolicy;

import java.net.InetSocketAddress;
import java.time.Duration;

/**
 * How one connection ended: who closed first on the wire, the close planned and the close used
 * (with the reason of any fallback), why it was retired, and its counters.
 *
 * <pre>{@code
 * CloseListener log = CloseListener.onClose(event -> {
 *     if (event.fallbackReason() != FallbackReason.NONE) {
 *         LOG.info("{} fell back from {} to {}: {}", event.remoteAddress(), event.plannedMode(), event.usedMode(), event.fallbackReason());
 *     }
 * });
 * }</pre>
 *
 * <p><b>Byte counters</b>, the same on every adapter: {@code bytesIn} and {@code bytesOut} count the bytes of the
 * connection's protocol stream as the server reads and writes it: for HTTP/1.x the request and response bytes,
 * heads, chunk framing and bodies included (on cleartext, the TCP payload: what {@code tcpdump} shows); for HTTP/2
 * every frame, the connection preface included; for raw TCP every byte. Under TLS they count the plaintext inside
 * the TLS records (record overhead and handshakes are not counted). Bytes that arrive after the connection is
 * retired and are discarded unread are not counted. {@code bytesOut} counts bytes handed to the connection, which
 * for a connection ended by an RST may exceed what the peer received.
 *
 * @param connectionId   the connection's id
 * @param remoteAddress  the peer, or null
 * @param localAddress   the local address, or null
 * @param protocol       the protocol spoken
 * @param whoClosed      who ended the connection first on the wire
 * @param plannedCloser  who was planned to close first, or null when the connection was never retired
 * @param plannedMode    the mode planned, or null when the connection was never retired
 * @param usedMode       the mode the server actually used to end its side
 * @param fallbackReason why the used close differs from the planned one
 * @param retireReason   why the connection was retired, or null when the peer ended it first
 * @param requestsServed requests completed
 * @param bytesIn        protocol bytes read (heads and framing included; see above)
 * @param bytesOut       protocol bytes written (heads and framing included; see above)
 * @param lifetime       from accept to closed
 * @param closeDuration  from retirement to closed (zero when never retired)
 *
 * <p>Thread-safety: immutable.
 */
public record CloseEvent(
        long connectionId,
        InetSocketAddress remoteAddress,
        InetSocketAddress localAddress,
        Protocol protocol,
        WhoClosed whoClosed,
        Closer plannedCloser,
        CloseMode plannedMode,
        CloseMode usedMode,
        FallbackReason fallbackReason,
        RetireReason retireReason,
        long requestsServed,
        long bytesIn,
        long bytesOut,
        Duration lifetime,
        Duration closeDuration) {

    /** Whether this close leaves TIME_WAIT on the server. */
    public boolean serverHoldsTimeWait() {
        return whoClosed == WhoClosed.LOCAL_FIN || (whoClosed == WhoClosed.TIMEOUT && usedMode != CloseMode.RST);
    }
}
