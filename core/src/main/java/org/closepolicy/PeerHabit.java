package org.closepolicy;

/**
 * What is known about how a peer address ends an HTTP/1.0 exchange whose response has a length: does it
 * close its side as soon as it has read the response (nginx's default proxy does), or does it read on until
 * the server's FIN (ApacheBench {@code ab} does)? The request alone cannot tell, so adapters learn it per
 * peer address ({@link org.closepolicy.spi.PeerMemory}) and the policy reads it through
 * {@link ConnectionView#peerHabit()}.
 *
 * <pre>{@code
 * if (view.peerHabit() == PeerHabit.WAITS_FOR_EOF) { ... } // a prompt server FIN, never an RST
 * }</pre>
 *
 * <p>Thread-safety: immutable.
 */
public enum PeerHabit {
    /** Nothing learned yet (or the memory forgot it): a short probe finds out. */
    UNKNOWN,
    /** The peer closed first after a length-delimited HTTP/1.0 response: client-first moves TIME_WAIT to it. */
    CLOSES_FIRST,
    /** The peer waited for the server's FIN: it gets a prompt FIN, never an RST. */
    WAITS_FOR_EOF
}
