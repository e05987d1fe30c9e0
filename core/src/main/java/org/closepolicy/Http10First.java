package org.closepolicy;

import java.util.Locale;
import org.closepolicy.internal.SpecValues;

/**
 * Who closes first when an HTTP/1.0 exchange ends a connection with a length-delimited response, under
 * client-first settings ({@code close.http10-first}). An HTTP/1.0 peer may read the response by its length
 * and close (nginx's default proxy) or read until the server's FIN (ApacheBench {@code ab}); waiting for
 * the latter stalls it and an RST fails it, so the fallback after any wait for an HTTP/1.0 peer is a FIN.
 *
 * <pre>{@code
 * ClosePolicy p = ClosePolicy.parse("client-first, rule.proxy.when.cidr=10.0.0.0/8, rule.proxy.close.http10-first=client");
 * }</pre>
 *
 * <p>Thread-safety: immutable.
 */
public enum Http10First {
    /**
     * Learn per peer address (the default): a peer known to close first gets client-first, a peer known to
     * wait for EOF a prompt server FIN, an unknown peer a short wait for its FIN ({@code close.eof-probe})
     * and then a FIN, and the outcome is remembered.
     */
    LEARN("learn"),
    /** Always wait for the peer's FIN ({@code close.client-wait}), then a FIN: for peers known to close first (proxies). */
    CLIENT("client"),
    /** Always a prompt server FIN: for peers that read to EOF. */
    SERVER("server");

    private final String specName;

    Http10First(String specName) {
        this.specName = specName;
    }

    /** The word used in spec text ({@code close.http10-first=learn}). */
    public String specName() {
        return specName;
    }

    static Http10First parse(String key, String raw) {
        String v = raw.trim().toLowerCase(Locale.ROOT);
        switch (v) {
            case "learn": return LEARN;
            case "client": case "client-first": return CLIENT;
            case "server": case "server-fin": return SERVER;
            default: throw SpecValues.bad(key, raw, "learn, client (or client-first) or server (or server-fin)");
        }
    }
}
