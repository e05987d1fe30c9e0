package org.closepolicy;

import org.closepolicy.internal.Jitter;
import org.closepolicy.spi.Durations;

/**
 * The decision of one {@link CloseSettings} for a connection, with everything it needs built in advance so that
 * deciding allocates nothing: the reuse decision, the {@link RetireTable}, the limits in nanoseconds and the
 * bounds below which the jittered limits cannot be reached.
 *
 * <p>Thread-safety: immutable.
 */
final class SettingsDecision {

    private final long maxRequests;
    private final double jitter;
    private final long jitterSeed;
    private final boolean honourClientClose;
    private final long idleTimeoutNanos;
    private final long maxAgeNanos;
    // Below these the jittered limits cannot be reached: the common reuse path does no jitter arithmetic.
    private final long requestsSurelyBelow;
    private final long ageSurelyBelowNanos;
    private final Reuse reuse;
    private final RetireTable retirements;

    SettingsDecision(CloseSettings s) {
        this.maxRequests = s.maxRequests();
        this.jitter = s.jitter();
        this.jitterSeed = s.jitterSeed();
        this.honourClientClose = s.honourClientClose();
        this.idleTimeoutNanos = Durations.nanos(s.idleTimeout());
        this.maxAgeNanos = s.maxAge() == null ? Long.MAX_VALUE : Durations.nanos(s.maxAge());
        // Margins far above the rounding of the jitter arithmetic (see Jitter).
        this.requestsSurelyBelow = Math.max(1, (long) (maxRequests * (1 - jitter) * (1 - 1e-9)) - 1);
        this.ageSurelyBelowNanos = (long) (maxAgeNanos * (1 - jitter) * (1 - 1e-9));
        this.reuse = new Reuse(s.idleTimeout(), s.maxAge(), jitter, jitterSeed);
        this.retirements = new RetireTable(s);
    }

    Reuse reuse() {
        return reuse;
    }

    RetireTable retirements() {
        return retirements;
    }

    /** See {@link CloseSettings#decide(ConnectionView, long)}. */
    Decision decide(ConnectionView v, long nowNanos) {
        RetireReason reason;
        if (v.eofDelimited()) {
            reason = RetireReason.EOF_DELIMITED;
        } else if (v.clientRequestedClose() && (honourClientClose || v.httpVersion() == HttpVersion.HTTP_1_0)) {
            // An HTTP/1.0 request without keep-alive cannot be kept: its client expects the close.
            reason = RetireReason.CLIENT_REQUESTED;
        } else if (reachedMaxRequests(v.requestsServed(), v)) {
            reason = RetireReason.MAX_REQUESTS;
        } else if (reachedMaxAge(nowNanos - v.openedAtNanos(), v)) {
            reason = RetireReason.MAX_AGE;
        } else if (nowNanos - v.lastActivityNanos() >= idleTimeoutNanos) {
            reason = RetireReason.IDLE_TIMEOUT;
        } else {
            return reuse; // a kept connection goes on reading: the codec consumes the rest of the request
        }
        if (v.httpVersion() == HttpVersion.HTTP_1_0 && reason != RetireReason.EOF_DELIMITED && reason != RetireReason.IDLE_TIMEOUT) {
            return retirements.http10(reason, v.peerHabit(), v.unreadInput());
        }
        return retirements.announced(reason, false, v.unreadInput());
    }

    /** See {@link CloseSettings#retireAnnounced(RetireReason, ConnectionView, boolean)}. */
    Retire announced(RetireReason reason, ConnectionView view, boolean unreadInput) {
        if (!view.eofDelimited() && view.httpVersion() == HttpVersion.HTTP_1_0
                && reason != RetireReason.EOF_DELIMITED && reason != RetireReason.IDLE_TIMEOUT) {
            return retirements.http10(reason, view.peerHabit(), unreadInput);
        }
        return retirements.announced(reason, view.eofDelimited(), unreadInput);
    }

    // The connection's id (its jitter) is read only near a limit: the common reuse path makes no call for it.
    private boolean reachedMaxRequests(long served, ConnectionView v) {
        return maxRequests != Long.MAX_VALUE && served >= requestsSurelyBelow
                && served >= Jitter.requests(maxRequests, jitter, jitterSeed, v.id());
    }

    private boolean reachedMaxAge(long ageNanos, ConnectionView v) {
        return maxAgeNanos != Long.MAX_VALUE && ageNanos >= ageSurelyBelowNanos
                && ageNanos >= Jitter.ageNanos(maxAgeNanos, jitter, jitterSeed, v.id());
    }
}
