package org.closepolicy;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.closepolicy.internal.SpecValues;

/**
 * The spec keys of {@link CloseSettings}, one table for all three uses: the order {@code toSpec()} writes them,
 * how a value is written, and how spec text is applied to a builder (with the error naming key, value and what
 * is allowed).
 *
 * <p>Thread-safety: immutable.
 */
enum SettingsKey {
    CLOSE_FIRST("close.first", s -> s.closer().specName(), (b, k, v) -> b.closer(SpecEnums.closer(k, v))),
    CLOSE_MODE("close.mode", s -> s.mode().specName(), (b, k, v) -> b.mode(SpecEnums.mode(k, v))),
    CLIENT_WAIT("close.client-wait", s -> SpecValues.duration(s.clientWait()), (b, k, v) -> b.clientWait(SpecValues.duration(k, v))),
    FALLBACK("close.fallback", s -> s.fallback().specName(), (b, k, v) -> b.fallback(SpecEnums.mode(k, v))),
    ACK_WAIT("close.ack-wait", s -> SpecValues.duration(s.ackWait()), (b, k, v) -> b.ackWait(SpecValues.duration(k, v))),
    RESET_AFTER_ACK("close.reset-after-ack", s -> Boolean.toString(s.resetAfterAck()),
            (b, k, v) -> b.resetAfterAck(SpecValues.bool(k, v))),
    LINGER_TIME("close.linger-time", s -> SpecValues.duration(s.lingerTime()), (b, k, v) -> b.lingerTime(SpecValues.duration(k, v))),
    LINGER_TIMEOUT("close.linger-timeout", s -> SpecValues.duration(s.lingerTimeout()),
            (b, k, v) -> b.lingerTimeout(SpecValues.duration(k, v))),
    LINGER_BYTES("close.linger-bytes", s -> SpecValues.size(s.lingerBytes()), (b, k, v) -> b.lingerBytes(SpecValues.size(k, v))),
    FLUSH_TIMEOUT("close.flush-timeout", s -> SpecValues.duration(s.flushTimeout()),
            (b, k, v) -> b.flushTimeout(SpecValues.duration(k, v))),
    EOF_PROBE("close.eof-probe", s -> SpecValues.duration(s.eofProbe()), (b, k, v) -> b.eofProbe(SpecValues.duration(k, v))),
    HTTP10_FIRST("close.http10-first", s -> s.http10First().specName(), (b, k, v) -> b.http10First(Http10First.parse(k, v))),
    MAX_REQUESTS("reuse.max-requests", s -> s.maxRequests() == Long.MAX_VALUE ? "unlimited" : Long.toString(s.maxRequests()),
            SettingsKey::maxRequests),
    IDLE_TIMEOUT("reuse.idle-timeout", s -> SpecValues.duration(s.idleTimeout()), SettingsKey::idleTimeout),
    MAX_AGE("reuse.max-age", s -> s.maxAge() == null ? "none" : SpecValues.duration(s.maxAge()), SettingsKey::maxAge),
    JITTER("reuse.jitter", s -> SpecValues.percent(s.jitter()), (b, k, v) -> b.jitter(SpecValues.fraction(k, v))),
    JITTER_SEED("reuse.jitter-seed", s -> Long.toString(s.jitterSeed()), (b, k, v) -> b.jitterSeed(SpecValues.anyLong(k, v))),
    HONOUR_CLIENT_CLOSE("reuse.honour-client-close", s -> Boolean.toString(s.honourClientClose()),
            (b, k, v) -> b.honourClientClose(SpecValues.bool(k, v))),
    DRAIN_TIMEOUT("reuse.drain-timeout", s -> SpecValues.duration(s.drainTimeout()),
            (b, k, v) -> b.drainTimeout(SpecValues.duration(k, v)));

    /** Applies spec text to a builder. */
    @FunctionalInterface
    private interface Setter {
        CloseSettings.Builder apply(CloseSettings.Builder b, String key, String value);
    }

    /** The keys, in the order {@code toSpec()} writes them. */
    static final List<String> NAMES;
    private static final Map<String, SettingsKey> BY_NAME = new HashMap<>();

    static {
        String[] names = new String[values().length];
        for (SettingsKey k : values()) {
            names[k.ordinal()] = k.key;
            BY_NAME.put(k.key, k);
        }
        NAMES = List.of(names);
    }

    private final String key;
    private final Function<CloseSettings, String> format;
    private final Setter setter;

    SettingsKey(String key, Function<CloseSettings, String> format, Setter setter) {
        this.key = key;
        this.format = format;
        this.setter = setter;
    }

    /** The key of this name. */
    static SettingsKey of(String key) {
        SettingsKey k = BY_NAME.get(key);
        if (k == null) {
            throw new IllegalArgumentException("unknown key '" + key + "'");
        }
        return k;
    }

    /** The value of this key in {@code s}, as spec text. */
    String format(CloseSettings s) {
        return format.apply(s);
    }

    /** Applies spec text for this key to {@code b}. */
    CloseSettings.Builder apply(CloseSettings.Builder b, String value) {
        return setter.apply(b, key, value);
    }

    private static CloseSettings.Builder maxRequests(CloseSettings.Builder b, String key, String value) {
        if (value.trim().equalsIgnoreCase("unlimited")) {
            return b.unlimitedRequests();
        }
        try {
            return b.maxRequests(SpecValues.count(key, value, 1));
        } catch (IllegalArgumentException e) {
            throw SpecValues.bad(key, value, "a whole number >= 1, or unlimited");
        }
    }

    private static CloseSettings.Builder idleTimeout(CloseSettings.Builder b, String key, String value) {
        Duration idle = SpecValues.duration(key, value);
        if (idle.compareTo(CloseSettings.MIN_IDLE_TIMEOUT) < 0) {
            throw SpecValues.bad(key, value, CloseSettings.Builder.idleTimeoutAllowed());
        }
        return b.idleTimeout(idle);
    }

    private static CloseSettings.Builder maxAge(CloseSettings.Builder b, String key, String value) {
        if (value.trim().equalsIgnoreCase("none")) {
            return b.noMaxAge();
        }
        try {
            return b.maxAge(SpecValues.duration(key, value));
        } catch (IllegalArgumentException e) {
            throw SpecValues.bad(key, value, "a positive duration such as 30m or 1h, or none");
        }
    }
}
