package org.closepolicy.spi;

import java.net.InetSocketAddress;
import org.closepolicy.Load;
import org.closepolicy.Protocol;

/**
 * One connection as an adapter keeps it: its {@link ConnectionRecord} (this object is the record the policy
 * reads), and its close, made only when it is needed: the {@link CloseStateMachine} and the {@link Transport} it
 * drives exist from the connection's retirement (or its end while it was still open) on, not for the whole life
 * of a kept connection. An idle keep-alive connection carries one reference here instead of a machine, a
 * transport and a timer, and no separate record. The adapter's per-connection object extends this and says how
 * to make its machine ({@link #newMachine()}); every decision input stays exact, in the record's fields.
 * <pre>{@code
 * final class PolicyConnection extends ConnectionClose {
 *     protected CloseStateMachine newMachine() {
 *         transport = new NettyTransport(ctx, owner);
 *         CloseStateMachine m = new CloseStateMachine(transport, this, ticker, listener);
 *         transport.bind(m);
 *         return m;
 *     }
 * }
 * if (!c.isRetired()) { ... }   // no machine made for the question
 * c.machine().retire(r, false); // made here, once
 * }</pre>
 * Until the machine is made the connection is {@link CloseStateMachine.State#OPEN}: the machine starts in that
 * state, so making it later changes no transition.
 *
 * <p>Thread-safety: not thread-safe; confined to the connection's thread (or its lock), as the machine is.
 */
public abstract class ConnectionClose extends ConnectionRecord {

    private CloseStateMachine machine;

    /**
     * A newly accepted connection whose close has not started (the arguments are the record's: see
     * {@link ConnectionRecord#ConnectionRecord(Protocol, InetSocketAddress, InetSocketAddress, long, Load, PeerMemory)}).
     */
    protected ConnectionClose(Protocol protocol, InetSocketAddress remote, InetSocketAddress local, long openedAtNanos, Load load,
            PeerMemory peers) {
        super(protocol, remote, local, openedAtNanos, load, peers);
    }

    /**
     * Makes this connection's machine in state OPEN, with its transport; called once, by the first
     * {@link #machine()}.
     */
    protected abstract CloseStateMachine newMachine();

    /** The connection's close state machine, made now if the close has not started. */
    public final CloseStateMachine machine() {
        CloseStateMachine m = machine;
        if (m == null) {
            m = newMachine();
            machine = m;
        }
        return m;
    }

    /** The machine when it was made, else null (the connection is open and was never retired). */
    public final CloseStateMachine machineIfMade() {
        return machine;
    }

    /** The close state: {@link CloseStateMachine.State#OPEN} until the machine is made. */
    public final CloseStateMachine.State closeState() {
        CloseStateMachine m = machine;
        return m == null ? CloseStateMachine.State.OPEN : m.state();
    }

    /** Whether the connection was retired (its machine left OPEN). */
    public final boolean isRetired() {
        CloseStateMachine m = machine;
        return m != null && m.isRetired();
    }

    /** Whether the connection's machine reached CLOSED. */
    public final boolean isClosed() {
        CloseStateMachine m = machine;
        return m != null && m.isClosed();
    }
}
