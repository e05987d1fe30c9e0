package org.closepolicy.netty;

import org.closepolicy.ClosePolicies;
import org.closepolicy.ClosePolicy;
import org.closepolicy.ConnectionView;
import org.closepolicy.Retire;
import org.closepolicy.RetireReason;

/**
 * Retirements the adapter has to make when the policy said "reuse" but the connection cannot go on:
 * the application closed it or asked to retire it, the request could not be decoded, the peer
 * half-closed. They use the settings the policy would use for this connection, so bounds and
 * fallbacks stay those the user configured.
 *
 * <p>Thread-safety: thread-safe.
 */
final class Retirements {

    private Retirements() {
    }

    /**
     * The client was told that this is the last response ({@code Connection: close}, or the end of
     * an application exchange): the policy's own who and how apply.
     */
    static Retire announced(ClosePolicy policy, ConnectionView view, RetireReason reason, boolean unreadInput) {
        return ClosePolicies.settingsFor(policy, view).retireAnnounced(reason, view, unreadInput);
    }

    /**
     * The client does not expect the close (an idle connection the application closes): the server
     * closes first, as for an idle timeout, with the mode the policy uses when it cannot wait for the client.
     */
    static Retire unannounced(ClosePolicy policy, ConnectionView view, RetireReason reason, boolean unreadInput) {
        return ClosePolicies.settingsFor(policy, view).retireUnannounced(reason, unreadInput);
    }

    /** The client waits for EOF (a response without length, or the application closes mid-exchange): a prompt FIN. */
    static Retire endOfStream(ClosePolicy policy, ConnectionView view, boolean unreadInput) {
        return ClosePolicies.settingsFor(policy, view).retireAnnounced(RetireReason.EOF_DELIMITED, true, unreadInput);
    }
}
