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

    RetireTable(CloseSettings s) {
        Closer closer = s.closer();
        CloseMode mode = s.mode();
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
