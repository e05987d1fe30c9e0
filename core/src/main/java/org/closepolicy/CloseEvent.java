package org.closepolicy;

import java.net.InetSocketAddress;
import java.time.Duration;

/**
 * How one connection ended: who closed first on the wire, the close planned and the close used
 * (with the reason of any fallback), why it was retired, and its counters.
 *
 * <pre>{@code
 * CloseListener log = event -> {
 *     if (event.fallbackReason() != FallbackReason.NONE) {
 *         LOG.info("{} fell back from {} to {}: {}", event.remoteAddress(), event.plannedMode(), event.usedMode(), event.fallbackReason());
 *     }
 * };
 * }</pre>
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
 * @param bytesIn        bytes read
 * @param bytesOut       bytes written
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
