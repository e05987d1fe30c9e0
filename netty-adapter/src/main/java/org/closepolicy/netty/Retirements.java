package org.closepolicy.netty;

import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import org.closepolicy.CloseMode;
import org.closepolicy.ClosePolicy;
import org.closepolicy.CloseSettings;
import org.closepolicy.Closer;
import org.closepolicy.ConnectionView;
import org.closepolicy.Preset;
import org.closepolicy.Retire;
import org.closepolicy.RetireReason;
import org.closepolicy.StandardClosePolicy;
import org.closepolicy.internal.GuardedPolicy;

/**
 * Retirements the adapter has to make when the policy said "reuse" but the connection cannot go on:
 * the application closed it or asked to retire it, the request could not be decoded, the peer
 * half-closed. They use the settings the policy would use for this connection, so bounds and
 * fallbacks stay those the user configured.
 *
 * <p>Thread-safety: thread-safe.
 */
final class Retirements {

    /** Settings used for custom policies, which have no settings of their own. */
    private static final CloseSettings CUSTOM_POLICY_SETTINGS = CloseSettings.of(Preset.KEEP_ALIVE);

    private record Variant(CloseSettings base, Closer closer, CloseMode mode) {
    }

    private static final ConcurrentHashMap<Variant, CloseSettings> VARIANTS = new ConcurrentHashMap<>();

    private Retirements() {
    }

    /**
     * The client was told that this is the last response ({@code Connection: close}, or the end of
     * an application exchange): the policy's own who and how apply.
     */
    static Retire announced(ClosePolicy policy, ConnectionView view, RetireReason reason, boolean unreadInput) {
        CloseSettings s = settings(policy, view);
        if (view.eofDelimited()) {
            return drainIfNeeded(s, s.retire(RetireReason.EOF_DELIMITED), unreadInput);
        }
        return drainIfNeeded(s, s.retire(reason), unreadInput);
    }

    /**
     * The client does not expect the close (an idle connection the application closes): the server
     * closes first, as for an idle timeout, with the mode the policy uses when it cannot wait for the client.
     */
    static Retire unannounced(ClosePolicy policy, ConnectionView view, RetireReason reason, boolean unreadInput) {
        CloseSettings s = settings(policy, view);
        CloseMode mode = s.closer() == Closer.CLIENT_FIRST ? s.fallback() : s.mode();
        Retire r = variant(s, Closer.SERVER_FIRST, mode).retire(reason);
        return drainIfNeeded(s, r, unreadInput);
    }

    /** The client waits for EOF (a response without length, or the application closes mid-exchange): a prompt FIN. */
    static Retire endOfStream(ClosePolicy policy, ConnectionView view, boolean unreadInput) {
        CloseSettings s = settings(policy, view);
        return drainIfNeeded(s, s.retire(RetireReason.EOF_DELIMITED), unreadInput);
    }

    /** Unread input turns a plain server FIN into an RST in the kernel: linger instead (rule 3). */
    private static Retire drainIfNeeded(CloseSettings s, Retire r, boolean unreadInput) {
        if (unreadInput && r.closer() == Closer.SERVER_FIRST && r.mode() == CloseMode.FIN) {
            return variant(s, Closer.SERVER_FIRST, CloseMode.LINGER).retire(r.reason());
        }
        return r;
    }

    private static CloseSettings variant(CloseSettings s, Closer closer, CloseMode mode) {
        if (s.closer() == closer && s.mode() == mode) {
            return s;
        }
        try {
            return VARIANTS.computeIfAbsent(new Variant(s, closer, mode), v -> v.base().toBuilder().closer(v.closer()).mode(v.mode()).build());
        } catch (RuntimeException e) {
            return s; // a combination the settings reject: keep the policy's own
        }
    }

    private static CloseSettings settings(ClosePolicy policy, ConnectionView view) {
        Objects.requireNonNull(policy, "policy");
        ClosePolicy p = policy instanceof GuardedPolicy g ? g.delegate() : policy;
        if (p instanceof StandardClosePolicy sp) {
            try {
                return sp.settingsFor(view);
            } catch (RuntimeException e) {
                return CUSTOM_POLICY_SETTINGS;
            }
        }
        return CUSTOM_POLICY_SETTINGS;
    }
}
