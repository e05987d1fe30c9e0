package org.closepolicy;

import java.time.Duration;
import java.util.Objects;
import org.closepolicy.internal.SpecValues;

/**
 * The values behind one {@link CloseSettings}: what a {@link CloseSettings.Builder} fills in and what the built
 * settings hold, a private copy each, so that the value and its builder list every field once. Starts with the
 * defaults of {@link Preset#KEEP_ALIVE}.
 *
 * <p>Thread-safety: not thread-safe; a {@link CloseSettings} keeps a copy that nothing writes after it is built.
 */
final class SettingsValues {
    Closer closer = Closer.CLIENT_FIRST;
    CloseMode mode = CloseMode.FIN;
    CloseMode fallback = CloseMode.RST;
    Duration clientWait = Duration.ofSeconds(2);
    Duration ackWait = Duration.ofSeconds(1);
    boolean resetAfterAck = true;
    Duration lingerTime = Duration.ofSeconds(30);
    Duration lingerTimeout = Duration.ofSeconds(5);
    long lingerBytes = 1L << 20;
    Duration flushTimeout = Duration.ofSeconds(60);
    Duration eofProbe = CloseSettings.DEFAULT_EOF_PROBE;
    Http10First http10First = Http10First.LEARN;
    long maxRequests = 1000;
    Duration idleTimeout = Duration.ofSeconds(75);
    Duration maxAge = Duration.ofHours(1);
    double jitter = 0.10;
    long jitterSeed = 0;
    boolean honourClientClose = true;
    Duration drainTimeout = Duration.ofSeconds(30);

    /** The values of a preset. */
    static SettingsValues of(Preset preset) {
        Objects.requireNonNull(preset, "preset");
        SettingsValues v = new SettingsValues();
        if (preset != Preset.KEEP_ALIVE) { // the other presets serve one request per connection
            v.maxRequests = 1;
            v.maxAge = null;
            v.jitter = 0;
        }
        switch (preset) {
            case SERVER_FIN, LINGERING -> {
                v.closer = Closer.SERVER_FIRST;
                v.mode = preset == Preset.LINGERING ? CloseMode.LINGER : CloseMode.FIN;
                v.fallback = CloseMode.FIN;
            }
            case CLIENT_FIRST -> v.mode = CloseMode.FIN;
            case SAFE_RESET -> v.mode = CloseMode.RST;
            default -> { }
        }
        return v;
    }

    /** A positive duration, or an error naming the key. */
    static Duration positive(String key, Duration d) {
        if (d == null) {
            throw new IllegalArgumentException(key + " must not be null");
        }
        if (d.isNegative() || d.isZero()) {
            throw SpecValues.bad(key, d.toString(), "a positive duration");
        }
        return d;
    }

    SettingsValues copy() {
        SettingsValues c = new SettingsValues();
        c.closer = closer;
        c.mode = mode;
        c.fallback = fallback;
        c.clientWait = clientWait;
        c.ackWait = ackWait;
        c.resetAfterAck = resetAfterAck;
        c.lingerTime = lingerTime;
        c.lingerTimeout = lingerTimeout;
        c.lingerBytes = lingerBytes;
        c.flushTimeout = flushTimeout;
        c.eofProbe = eofProbe;
        c.http10First = http10First;
        c.maxRequests = maxRequests;
        c.idleTimeout = idleTimeout;
        c.maxAge = maxAge;
        c.jitter = jitter;
        c.jitterSeed = jitterSeed;
        c.honourClientClose = honourClientClose;
        c.drainTimeout = drainTimeout;
        return c;
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof SettingsValues)) {
            return false;
        }
        SettingsValues s = (SettingsValues) o;
        return closer == s.closer && mode == s.mode && fallback == s.fallback && clientWait.equals(s.clientWait)
                && ackWait.equals(s.ackWait) && resetAfterAck == s.resetAfterAck && lingerTime.equals(s.lingerTime)
                && lingerTimeout.equals(s.lingerTimeout) && lingerBytes == s.lingerBytes
                && flushTimeout.equals(s.flushTimeout) && eofProbe.equals(s.eofProbe) && http10First == s.http10First
                && maxRequests == s.maxRequests
                && idleTimeout.equals(s.idleTimeout) && Objects.equals(maxAge, s.maxAge)
                && Double.compare(jitter, s.jitter) == 0 && jitterSeed == s.jitterSeed
                && honourClientClose == s.honourClientClose && drainTimeout.equals(s.drainTimeout);
    }

    @Override
    public int hashCode() {
        return Objects.hash(closer, mode, fallback, clientWait, ackWait, resetAfterAck, lingerTime, lingerTimeout,
                lingerBytes, flushTimeout, eofProbe, http10First, maxRequests, idleTimeout, maxAge, jitter, jitterSeed, honourClientClose,
                drainTimeout);
    }
}
