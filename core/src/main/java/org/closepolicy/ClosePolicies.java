package org.closepolicy;

import java.util.Objects;
import org.closepolicy.internal.GuardedPolicy;

/**
 * The named presets as ready policies, and the guard adapters put around every policy.
 *
 * <pre>{@code
 * ClosePolicy p = ClosePolicies.safeReset();
 * ClosePolicy safe = ClosePolicies.guarded(myCustomPolicy); // throws or null → safe default, logged once
 * }</pre>
 *
 * <p>Thread-safety: all returned policies are immutable and thread-safe.
 */
public final class ClosePolicies {

    private static final StandardClosePolicy[] PRESETS = new StandardClosePolicy[Preset.values().length];

    static {
        for (Preset p : Preset.values()) {
            PRESETS[p.ordinal()] = StandardClosePolicy.builder(p).build();
        }
    }

    private ClosePolicies() {
    }

    /** The policy of a preset. */
    public static StandardClosePolicy of(Preset preset) {
        return PRESETS[preset.ordinal()];
    }

    /** Server closes first with a FIN after every response (what servers do today; TIME_WAIT on the server). */
    public static StandardClosePolicy serverFin() {
        return of(Preset.SERVER_FIN);
    }

    /** Server half-closes, drains input up to 30 s / 5 s idle / 1 MiB, then closes (nginx's lingering close). */
    public static StandardClosePolicy lingering() {
        return of(Preset.LINGERING);
    }

    /** The client closes first (wait 2 s); passive close on its FIN; TIME_WAIT on the client. */
    public static StandardClosePolicy clientFirst() {
        return of(Preset.CLIENT_FIRST);
    }

    /** The client closes first; RST in reply to its FIN: no TIME_WAIT on either side. */
    public static StandardClosePolicy safeReset() {
        return of(Preset.SAFE_RESET);
    }

    /** Reuse: 1,000 requests, 75 s idle, 1 h max age ±10 %; then retire client-first. */
    public static StandardClosePolicy keepAlive() {
        return of(Preset.KEEP_ALIVE);
    }

    /**
     * The decision applied when a policy fails: server-first lingering close (a FIN that cannot
     * turn into an RST over unread input), reason {@link RetireReason#POLICY_ERROR}.
     */
    public static Retire safeDefault() {
        return GuardedPolicy.SAFE_DEFAULT;
    }

    /**
     * The settings a policy uses for a connection, for the retirements an adapter has to make on its own
     * ({@link CloseSettings#retireAnnounced}, {@link CloseSettings#retireUnannounced}): a
     * {@link StandardClosePolicy}'s matching rule or defaults (also through {@link #guarded}); for any other
     * policy, or when the lookup fails, the {@link Preset#LINGERING} settings of {@link #safeDefault()}.
     */
    public static CloseSettings settingsFor(ClosePolicy policy, ConnectionView view) {
        Objects.requireNonNull(policy, "policy");
        ClosePolicy p = policy instanceof GuardedPolicy g ? g.delegate() : policy;
        if (p instanceof StandardClosePolicy sp) {
            try {
                return sp.settingsFor(view);
            } catch (RuntimeException e) {
                return CloseSettings.of(Preset.LINGERING);
            }
        }
        return CloseSettings.of(Preset.LINGERING);
    }

    /**
     * Wraps a policy so that an exception or a {@code null} decision yields {@link #safeDefault()}
     * and is logged once (SLF4J, logger {@code org.closepolicy.ClosePolicy}) per wrapped policy.
     * Adapters wrap every policy they are given; wrapping twice is a no-op.
     */
    public static ClosePolicy guarded(ClosePolicy policy) {
        return GuardedPolicy.wrap(policy);
    }
}
