package org.closepolicy.spi;

/** How far the client wait of {@link CloseStateMachine.State#AWAIT_PEER_FIN} has gone (a step inside that state). */
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
