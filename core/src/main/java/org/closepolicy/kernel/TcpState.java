package org.closepolicy.kernel;

/**
 * A TCP socket state as the Linux kernel writes it in the {@code st} column of {@code /proc/net/tcp}.
 *
 * <p>The constants carry the kernel's numeric codes ({@code include/net/tcp_states.h}):
 * <pre>{@code
 * TcpState s = TcpState.fromCode(0x06);      // TIME_WAIT
 * int code = TcpState.LISTEN.code();         // 0x0A
 * TcpState unknown = TcpState.fromCode(0x7F); // null
 * }</pre>
 *
 * <p>Thread-safety: immutable, safe from any thread.
 */
public enum TcpState {
    /** Data may flow both ways. */
    ESTABLISHED(0x01),
    /** Active open: SYN sent, waiting for SYN-ACK. */
    SYN_SENT(0x02),
    /** Passive open: SYN received (full socket). */
    SYN_RECV(0x03),
    /** This side sent FIN; waiting for its ACK. */
    FIN_WAIT1(0x04),
    /** This side's FIN is acknowledged; waiting for the peer's FIN. */
    FIN_WAIT2(0x05),
    /** This side closed first and now holds the 4-tuple for 2 MSL. */
    TIME_WAIT(0x06),
    /** Closed. */
    CLOSE(0x07),
    /** The peer closed first; this side has not closed yet. */
    CLOSE_WAIT(0x08),
    /** This side closed after the peer; waiting for the last ACK. */
    LAST_ACK(0x09),
    /** Listening socket. */
    LISTEN(0x0A),
    /** Both sides sent FIN at once. */
    CLOSING(0x0B),
    /** Request socket of a listener: SYN received, handshake not complete. */
    NEW_SYN_RECV(0x0C);

    private static final TcpState[] BY_CODE = new TcpState[16];

    static {
        for (TcpState s : values()) {
            BY_CODE[s.code] = s;
        }
    }

    private final int code;

    TcpState(int code) {
        this.code = code;
    }

    /** The kernel's numeric code of this state. */
    public int code() {
        return code;
    }

    /**
     * The state with the given kernel code.
     *
     * @return the state, or {@code null} when the code is not a known Linux TCP state
     */
    public static TcpState fromCode(int code) {
        return code >= 0 && code < BY_CODE.length ? BY_CODE[code] : null;
    }
}
