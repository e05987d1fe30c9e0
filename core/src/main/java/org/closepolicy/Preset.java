package org.closepolicy;

/**
 * The named presets, the same words in code and in spec text.
 *
 * <table>
 *   <caption>presets</caption>
 *   <tr><th>preset</th><th>who</th><th>how</th><th>when the wait runs out</th><th>TIME_WAIT on</th></tr>
 *   <tr><td>{@code server-fin}</td><td>server</td><td>FIN at once</td><td>-</td><td>server</td></tr>
 *   <tr><td>{@code lingering}</td><td>server</td><td>half-close, drain ≤ 30 s / 5 s idle</td><td>close</td><td>server</td></tr>
 *   <tr><td>{@code client-first}</td><td>client (wait 2 s)</td><td>passive close on the client's FIN</td><td>RST once acked, else FIN</td><td>client</td></tr>
 *   <tr><td>{@code safe-reset}</td><td>client (wait 2 s)</td><td>RST in reply to the client's FIN</td><td>RST once acked, else FIN</td><td>nobody</td></tr>
 *   <tr><td>{@code keep-alive}</td><td>-</td><td>reuse: 1,000 requests, 75 s idle, 1 h ±10 %, then client-first</td><td>as client-first</td><td>client, rarely</td></tr>
 * </table>
 * The first four retire every connection after one request (the situation of a server whose
 * clients do not keep connections alive); {@code keep-alive} reuses them.
 * <pre>{@code
 * ClosePolicy p = ClosePolicy.parse("safe-reset, close.client-wait=1s");
 * ClosePolicy q = ClosePolicy.builder(Preset.KEEP_ALIVE).maxRequests(10_000).build();
 * }</pre>
 *
 * <p>Thread-safety: immutable.
 */
public enum Preset {
    /** Server closes first with a FIN after every response. */
    SERVER_FIN("server-fin"),
    /** Server half-closes and drains like nginx's lingering close. */
    LINGERING("lingering"),
    /** The client closes first; passive close on its FIN. */
    CLIENT_FIRST("client-first"),
    /** The client closes first; RST in reply to its FIN: no TIME_WAIT anywhere. */
    SAFE_RESET("safe-reset"),
    /** Reuse connections; retire them client-first. */
    KEEP_ALIVE("keep-alive");

    private final String specName;

    Preset(String specName) {
        this.specName = specName;
    }

    /** The preset's name in spec text. */
    public String specName() {
        return specName;
    }

    /** The settings of this preset. */
    public CloseSettings settings() {
        return CloseSettings.of(this);
    }

    /**
     * The preset with this spec name.
     *
     * @throws IllegalArgumentException naming the allowed names when there is none
     */
    public static Preset fromSpecName(String name) {
        for (Preset p : values()) {
            if (p.specName.equals(name)) {
                return p;
            }
        }
        throw new IllegalArgumentException("unknown preset '" + name + "'; allowed: " + names() + DidYouMean.suggest(name, specNames()));
    }

    static java.util.List<String> specNames() {
        java.util.List<String> names = new java.util.ArrayList<>();
        for (Preset p : values()) {
            names.add(p.specName);
        }
        return names;
    }

    static String names() {
        StringBuilder sb = new StringBuilder();
        for (Preset p : values()) {
            if (sb.length() > 0) {
                sb.append(", ");
            }
            sb.append(p.specName);
        }
        return sb.toString();
    }
}
