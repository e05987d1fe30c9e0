package org.closepolicy;

/**
 * The retirements one {@link CloseSettings} can make, built once so that deciding allocates nothing: by reason,
 * announced or not, over unread input or not (rule 3: a server FIN over unread input lingers), and for a client
 * that reads to EOF (rule 2: a prompt server FIN).
 *
 * <p>Thread-safety: immutable.
 */
final class RetireTable {

    private final Retire[] retire;
    private final Retire[] drainRetire;
    private final Retire eofRetire;
    private final Retire eofDrainRetire;
    private final Retire idleRetire;
    private final Retire idleDrainRetire;
    private final Retire[] unannounced;
    private final Retire[] unannouncedDrain;
    // HTTP/1.0 with a length-delimited response under client-first: wait for an unknown peer's FIN for the
    // short probe, for a known closer the client wait; never an RST after either (null for server-first).
    private final Retire[] http10Probe;
    private final Retire[] http10Closer;
    // HTTP/1.0 under server-first settings with close.mode=rst: a FIN (a LINGER over unread input) instead.
    private final Retire[] http10Fin;
    private final Retire[] http10Linger;
    private final Closer closer;
    private final CloseMode mode;
    private final Http10First http10First;

    RetireTable(CloseSettings s) {
        this.closer = s.closer();
        this.mode = s.mode();
        this.http10First = s.http10First();
        RetireReason[] reasons = RetireReason.values();
        this.retire = new Retire[reasons.length];
        this.drainRetire = new Retire[reasons.length];
        for (RetireReason r : reasons) {
            retire[r.ordinal()] = new Retire(s, closer, mode, r);
            drainRetire[r.ordinal()] = closer == Closer.SERVER_FIRST && mode == CloseMode.FIN
                    ? new Retire(s, Closer.SERVER_FIRST, CloseMode.LINGER, r)
                    : retire[r.ordinal()];
        }
        CloseMode eofMode = mode == CloseMode.LINGER ? CloseMode.LINGER : CloseMode.FIN;
        this.eofRetire = new Retire(s, Closer.SERVER_FIRST, eofMode, RetireReason.EOF_DELIMITED);
        this.eofDrainRetire = new Retire(s, Closer.SERVER_FIRST, CloseMode.LINGER, RetireReason.EOF_DELIMITED);
        // A close the client does not expect: the server goes first, in the mode used when it cannot wait.
        CloseMode unannouncedMode = closer == Closer.CLIENT_FIRST ? s.fallback() : mode;
        this.unannounced = new Retire[reasons.length];
        this.unannouncedDrain = new Retire[reasons.length];
        for (RetireReason r : reasons) {
            unannounced[r.ordinal()] = new Retire(s, Closer.SERVER_FIRST, unannouncedMode, r);
            unannouncedDrain[r.ordinal()] = unannouncedMode == CloseMode.FIN
                    ? new Retire(s, Closer.SERVER_FIRST, CloseMode.LINGER, r)
                    : unannounced[r.ordinal()];
        }
        this.idleRetire = unannounced[RetireReason.IDLE_TIMEOUT.ordinal()];
        this.idleDrainRetire = unannouncedDrain[RetireReason.IDLE_TIMEOUT.ordinal()];
        if (closer == Closer.CLIENT_FIRST) {
            this.http10Probe = new Retire[reasons.length];
            this.http10Closer = new Retire[reasons.length];
            for (RetireReason r : reasons) {
                http10Probe[r.ordinal()] = new Retire(s, Closer.CLIENT_FIRST, mode, r, Retire.PeerCheck.PROBE);
                http10Closer[r.ordinal()] = new Retire(s, Closer.CLIENT_FIRST, mode, r, Retire.PeerCheck.KNOWN_CLOSER);
            }
        } else {
            this.http10Probe = null;
            this.http10Closer = null;
        }
        if (closer == Closer.SERVER_FIRST && mode == CloseMode.RST) {
            this.http10Fin = new Retire[reasons.length];
            this.http10Linger = new Retire[reasons.length];
            for (RetireReason r : reasons) {
                http10Fin[r.ordinal()] = new Retire(s, Closer.SERVER_FIRST, CloseMode.FIN, r);
                http10Linger[r.ordinal()] = new Retire(s, Closer.SERVER_FIRST, CloseMode.LINGER, r);
            }
        } else {
            this.http10Fin = null;
            this.http10Linger = null;
        }
    }

    /**
     * An announced retirement after an HTTP/1.0 exchange with a length-delimited response, for a peer with this
     * learned habit: see {@link CloseSettings#retireAnnounced(RetireReason, ConnectionView, boolean)}.
     */
    Retire http10(RetireReason reason, PeerHabit habit, boolean unreadInput) {
        if (closer == Closer.SERVER_FIRST) {
            if (mode == CloseMode.RST) {
                return (unreadInput ? http10Linger : http10Fin)[reason.ordinal()];
            }
            return (unreadInput ? drainRetire : retire)[reason.ordinal()];
        }
        if (http10First == Http10First.SERVER) {
            return unreadInput ? eofDrainRetire : eofRetire;
        }
        if (http10First == Http10First.CLIENT) {
            return http10Closer[reason.ordinal()];
        }
        switch (habit) {
            case CLOSES_FIRST: return http10Closer[reason.ordinal()];
            case WAITS_FOR_EOF: return unreadInput ? eofDrainRetire : eofRetire;
            case UNKNOWN:
            default: return http10Probe[reason.ordinal()];
        }
    }

    /** See {@link CloseSettings#retire}. */
    Retire retire(RetireReason reason) {
        if (reason == RetireReason.IDLE_TIMEOUT) {
            return idleRetire;
        }
        if (reason == RetireReason.EOF_DELIMITED) {
            return eofRetire;
        }
        return retire[reason.ordinal()];
    }

    /** See {@link CloseSettings#retireAnnounced}. */
    Retire announced(RetireReason reason, boolean eofDelimited, boolean unreadInput) {
        if (eofDelimited || reason == RetireReason.EOF_DELIMITED) {
            return unreadInput ? eofDrainRetire : eofRetire;
        }
        if (reason == RetireReason.IDLE_TIMEOUT) {
            return unreadInput ? idleDrainRetire : idleRetire;
        }
        return unreadInput ? drainRetire[reason.ordinal()] : retire[reason.ordinal()];
    }

    /** See {@link CloseSettings#retireUnannounced}. */
    Retire unannounced(RetireReason reason, boolean unreadInput) {
        if (reason == RetireReason.EOF_DELIMITED) {
            return unreadInput ? eofDrainRetire : eofRetire;
        }
        return unreadInput ? unannouncedDrain[reason.ordinal()] : unannounced[reason.ordinal()];
    }
}
