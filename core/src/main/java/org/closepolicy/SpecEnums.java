package org.closepolicy;

import java.util.Locale;
import org.closepolicy.internal.SpecValues;

/** Parses the enum words of spec text. */
final class SpecEnums {

    private SpecEnums() {
    }

    static Closer closer(String key, String raw) {
        String v = raw.trim().toLowerCase(Locale.ROOT);
        for (Closer c : Closer.values()) {
            if (c.specName().equals(v)) {
                return c;
            }
        }
        throw SpecValues.bad(key, raw, "server or client");
    }

    static CloseMode mode(String key, String raw) {
        String v = raw.trim().toLowerCase(Locale.ROOT);
        for (CloseMode m : CloseMode.values()) {
            if (m.specName().equals(v)) {
                return m;
            }
        }
        throw SpecValues.bad(key, raw, "fin, linger or rst");
    }

    static Protocol protocol(String key, String raw) {
        String v = raw.trim().toLowerCase(Locale.ROOT);
        for (Protocol p : Protocol.values()) {
            if (p.specName().equals(v)) {
                return p;
            }
        }
        throw SpecValues.bad(key, raw, "http1, http2 or tcp (several separated by |)");
    }
}
