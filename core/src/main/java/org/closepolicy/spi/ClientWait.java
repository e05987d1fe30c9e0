package org.closepolicy.spi;

/**
 * How far the client wait of {@link CloseStateMachine.State#AWAIT_PEER_FIN} has gone (a step inside that state).
 *
 * <p><b>The client wait counts from the acknowledgement.</b> "Flushed" means handed to the kernel, not
 * received: on a slow link the client cannot have closed when a wait counted from the flush runs out. So
 * when the client wait runs out, and the flush bound ({@code flushTimeout} from retirement) is not reached
 * yet, the machine stays in AWAIT_PEER_FIN and checks the acknowledgement first:
 * <pre>
 * RUNNING ──client wait ran out──┬─flush bound passed──▶ fallback
 *                                ├─unacknowledged() &gt; 0──▶ WAITING_FOR_ACK
 *                                └─otherwise──▶ ONE_LOOK (watchAcks(0)) ──┬─acked──▶ fallback
 *                                                                         ├─not acked yet──▶ WAITING_FOR_ACK
 *                                                                         └─failed──▶ fallback
 * WAITING_FOR_ACK (watchAcks until the flush bound) ──┬─acked──▶ RESTARTED ──client wait, from the ack──▶ fallback
 *                                                     └─flush bound / failed──▶ fallback
 * </pre>
 * RUNNING, ONE_LOOK, WAITING_FOR_ACK and RESTARTED are steps inside AWAIT_PEER_FIN ({@code ClientWait}).
 * A client that had everything when the wait ran out (acknowledged at the first look) is closed at once, as
 * before: it had its full client wait after the data, however long ago it arrived. Only positive evidence
 * that bytes were still unacknowledged at the end of the wait (the hint, or a first look that did not find
 * the queue empty) earns the second wait, counted from the acknowledgement. The peer's FIN, input and every
 * other event are handled during the check exactly as in the rest of AWAIT_PEER_FIN; a fallback the check
 * or the second wait ends in reports {@link org.closepolicy.FallbackReason#CLIENT_WAIT_EXPIRED}. An RST fallback after the
 * check proved everything acknowledged and nothing unread resets at once, without a second check.
 */
enum ClientWait {
    /** The client wait runs, counted from the flush. */
    RUNNING,
    /** The client wait ran out; one look at the send queue ({@code watchAcks(0)}) is pending. */
    ONE_LOOK,
    /** Bytes were unacknowledged when the client wait ran out; waiting for the acknowledgement until the flush bound. */
    WAITING_FOR_ACK,
    /** Acknowledged late: the client wait runs once more, counted from the acknowledgement. */
    RESTARTED
}
