package org.closepolicy;

import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.function.BiConsumer;
import org.closepolicy.internal.SpecValues;

/**
 * Every knob of one close policy (or of one rule): who closes first, how, the bounds of every wait,
 * and the reuse limits. Immutable; build with {@link #builder()} or from a {@link Preset}.
 *
 * <pre>{@code
 * CloseSettings s = CloseSettings.builder(Preset.KEEP_ALIVE)
 *         .maxRequests(10_000)
 *         .idleTimeout(Duration.ofSeconds(120))
 *         .build();
 * }</pre>
 *
 * <p>Defaults (those of {@link Preset#KEEP_ALIVE} for {@link #builder()}): client-first with a 2 s
 * {@code clientWait}, FIN on the client's FIN, ack-checked RST as fallback ({@code ackWait} 1 s),
 * lingering bounded by 30 s, 5 s of silence and 1 MiB, 60 s to flush the last response,
 * 1,000 requests, 75 s idle, 1 h maximum age with ±10 % jitter, 30 s to drain the streams in flight
 * after an HTTP/2 {@code GOAWAY}.
 *
 * <p><b>Idle timeout rule.</b> The server's idle timeout must exceed the idle timeout of every client
 * and load balancer in front of it, otherwise the server closes connections the client is about to
 * reuse (the idle-timeout race). It cannot be shorter than {@link #MIN_IDLE_TIMEOUT}.
 *
 * <p>Thread-safety: immutable and thread-safe.
 */
public final class CloseSettings {

    /** The shortest idle timeout accepted. */
    public static final Duration MIN_IDLE_TIMEOUT = Duration.ofSeconds(1);
    /** Default of {@code close.eof-probe}: 100 ms. */
    public static final Duration DEFAULT_EOF_PROBE = Duration.ofMillis(500);
    /** The largest jitter accepted: 50 %. */
    public static final double MAX_JITTER = 0.5;

    /** Spec keys, in the order {@code toSpec()} writes them. */
    static final List<String> KEYS = SettingsKey.NAMES;

    // A private copy that nothing writes after construction.
    private final SettingsValues v;
    // Built in advance: deciding allocates nothing.
    private final SettingsDecision decision;

    private CloseSettings(Builder b) {
        this.v = b.v.copy();
        this.decision = new SettingsDecision(this);
    }

    /** A builder with the defaults of {@link Preset#KEEP_ALIVE}. */
    public static Builder builder() {
        return builder(Preset.KEEP_ALIVE);
    }

    /** A builder starting from a preset. */
    public static Builder builder(Preset preset) {
        return new Builder(SettingsValues.of(preset));
    }

    /** The settings of a preset. */
    public static CloseSettings of(Preset preset) {
        return PresetCache.get(preset);
    }

    /** A builder holding these settings. */
    public Builder toBuilder() {
        return new Builder(v.copy());
    }


    /**
     * Decides for one connection. Pure: the result depends only on the view and {@code nowNanos}.
     * Rule 2 of the design lives here: a client that delimits the response by EOF gets a prompt
     * server FIN, and an HTTP/1.0 peer, which may read to EOF although the response has a length, is
     * closed as {@link #retireAnnounced(RetireReason, ConnectionView, boolean)} says; rule 3: a server
     * FIN with unread input becomes a lingering close (the idle timeout's close too).
     */
    Decision decide(ConnectionView v, long nowNanos) {
        return decision.decide(v, nowNanos);
    }


    /**
     * The retirement these settings make for a reason (not adjusted for unread input). For
     * {@link RetireReason#EOF_DELIMITED} and {@link RetireReason#IDLE_TIMEOUT} the server closes first.
     */
    public Retire retire(RetireReason reason) {
        return decision.retirements().retire(reason);
    }

    /**
     * The retirement an adapter carries out when the client was told that the response is the last one
     * ({@code Connection: close}) although the policy would have kept the connection: the application
     * asked for it, the request was malformed, the client half-closed. The settings' own who and how
     * apply, adjusted as {@code decide} adjusts its own: a client reading to EOF gets a prompt server
     * FIN (rule 2), a server FIN over unread input becomes a lingering close (rule 3).
     * <pre>{@code
     * Retire r = ClosePolicies.settingsFor(policy, view)
     *         .retireAnnounced(RetireReason.APPLICATION, view.eofDelimited(), requestBodyUnread);
     * }</pre>
     */
    public Retire retireAnnounced(RetireReason reason, boolean eofDelimited, boolean unreadInput) {
        return decision.retirements().announced(Objects.requireNonNull(reason, "reason"), eofDelimited, unreadInput);
    }

    /**
     * As {@link #retireAnnounced(RetireReason, boolean, boolean)} for this connection: when its last exchange
     * is HTTP/1.0 with a length-delimited response, the peer may read to EOF or close by itself, and
     * {@code close.http10-first} with the peer's learned {@link ConnectionView#peerHabit()} decide:
     * <ul>
     *   <li>server-first settings: their own close, a FIN instead of an RST;</li>
     *   <li>{@code server}, or a peer known to wait for EOF: a prompt server FIN (reason
     *       {@link RetireReason#EOF_DELIMITED});</li>
     *   <li>{@code client}, or a peer known to close first: client-first for {@code close.client-wait};</li>
     *   <li>an unknown peer ({@code learn}): client-first for {@code close.eof-probe}, then a FIN.</li>
     * </ul>
     * After a wait for an HTTP/1.0 peer the fallback is never an RST ({@link Retire#learnsPeer()}).
     * <pre>{@code
     * Retire r = ClosePolicies.settingsFor(policy, view).retireAnnounced(RetireReason.APPLICATION, view, requestBodyUnread);
     * }</pre>
     */
    public Retire retireAnnounced(RetireReason reason, ConnectionView view, boolean unreadInput) {
        Objects.requireNonNull(reason, "reason");
        Objects.requireNonNull(view, "view");
        return decision.announced(reason, view, unreadInput);
    }

    /**
     * The retirement of a connection whose client does not expect the close (the application or a timer
     * closes a connection between requests, as for an idle timeout): the server closes first, with
     * {@link #mode()}, or with {@link #fallback()} for client-first settings (it cannot wait for a client
     * that is not going to close); a FIN over unread input lingers (rule 3).
     */
    public Retire retireUnannounced(RetireReason reason, boolean unreadInput) {
        return decision.retirements().unannounced(Objects.requireNonNull(reason, "reason"), unreadInput);
    }

    /** The reuse decision of these settings. */
    public Reuse reuse() {
        return decision.reuse();
    }

    /** Who closes first. */
    public Closer closer() {
        return v.closer;
    }

    /** How the server ends its side (see {@link Retire#mode()}). */
    public CloseMode mode() {
        return v.mode;
    }

    /** What runs when the client does not close within the client wait. */
    public CloseMode fallback() {
        return v.fallback;
    }

    /**
     * How long to wait for the client's FIN, counted from the moment the response is acknowledged, bounded
     * by {@link #flushTimeout()} (see {@link Builder#clientWait(Duration)}).
     */
    public Duration clientWait() {
        return v.clientWait;
    }

    /** How long an RST may wait for every byte to be acknowledged. */
    public Duration ackWait() {
        return v.ackWait;
    }

    /** Whether an RST not in reply to the peer's FIN waits for every byte to be acknowledged. */
    public boolean resetAfterAck() {
        return v.resetAfterAck;
    }

    /** Total bound of lingering. */
    public Duration lingerTime() {
        return v.lingerTime;
    }

    /** Lingering stops after this much silence from the peer. */
    public Duration lingerTimeout() {
        return v.lingerTimeout;
    }

    /** Input discarded while closing, at most this many bytes. */
    public long lingerBytes() {
        return v.lingerBytes;
    }

    /**
     * Bound of flushing the last response, counted from the retirement; with client-first, also the bound of
     * waiting for its acknowledgement when the client wait runs out before it.
     */
    public Duration flushTimeout() {
        return v.flushTimeout;
    }

    /**
     * How long client-first settings wait for the FIN of an HTTP/1.0 peer whose habit is unknown before
     * closing with a FIN ({@code close.eof-probe}); see {@link Builder#eofProbe(Duration)}.
     */
    public Duration eofProbe() {
        return v.eofProbe;
    }

    /** Who closes first after a length-delimited HTTP/1.0 response under client-first ({@code close.http10-first}). */
    public Http10First http10First() {
        return v.http10First;
    }

    /** Maximum requests per connection; {@link Long#MAX_VALUE} for unlimited. */
    public long maxRequests() {
        return v.maxRequests;
    }

    /** Idle timeout of a reused connection. */
    public Duration idleTimeout() {
        return v.idleTimeout;
    }

    /** Maximum connection age before jitter, or {@code null} for none. */
    public Duration maxAge() {
        return v.maxAge;
    }

    /** Jitter fraction in [0, 0.5]. */
    public double jitter() {
        return v.jitter;
    }

    /** Jitter seed. */
    public long jitterSeed() {
        return v.jitterSeed;
    }

    /** Whether {@code Connection: close} from the client retires the connection at once. */
    public boolean honourClientClose() {
        return v.honourClientClose;
    }

    /**
     * How long the streams in flight on a multiplexed connection (HTTP/2) may run after the graceful
     * {@code GOAWAY} that retires it; then the connection is closed anyway, as {@link #mode()} says.
     */
    public Duration drainTimeout() {
        return v.drainTimeout;
    }

    /** The value of a spec key, formatted as spec text. */
    String specValue(String key) {
        return SettingsKey.of(key).format(this);
    }

    /** Writes {@code key=value} for every key whose value differs from {@code base} (all keys when base is null). */
    void forEachSpecEntry(CloseSettings base, BiConsumer<String, String> out) {
        for (String key : KEYS) {
            String v = specValue(key);
            if (base == null || !v.equals(base.specValue(key))) {
                out.accept(key, v);
            }
        }
    }

    @Override
    public boolean equals(Object o) {
        return this == o || o instanceof CloseSettings && v.equals(((CloseSettings) o).v);
    }

    @Override
    public int hashCode() {
        return v.hashCode();
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("CloseSettings[");
        forEachSpecEntry(null, (k, v) -> sb.append(sb.length() > 14 ? ", " : "").append(k).append('=').append(v));
        return sb.append(']').toString();
    }

    /**
     * Builds {@link CloseSettings}. Every setter validates its argument at once and names the spec key
     * in its error; {@link #build()} checks the combinations.
     *
     * <p>Thread-safety: not thread-safe; use from one thread.
     */
    public static final class Builder {
        private final SettingsValues v;

        Builder(SettingsValues v) {
            this.v = v;
        }

        /** Who closes first ({@code close.first}). */
        public Builder closer(Closer closer) {
            v.closer = Objects.requireNonNull(closer, "close.first (closer) must not be null");
            return this;
        }

        /** How the server ends its side ({@code close.mode}). */
        public Builder mode(CloseMode mode) {
            v.mode = Objects.requireNonNull(mode, "close.mode (mode) must not be null");
            return this;
        }

        /** What runs when the client wait runs out ({@code close.fallback}). */
        public Builder fallback(CloseMode fallback) {
            v.fallback = Objects.requireNonNull(fallback, "close.fallback (fallback) must not be null");
            return this;
        }

        /**
         * How long to wait for the client's FIN ({@code close.client-wait}), positive; counted from the moment
         * the response is acknowledged, bounded by {@code flushTimeout}. The wait starts when the last response
         * is flushed (handed to the kernel). When it runs out while bytes are still unacknowledged (a slow link
         * or a slow reader), the server waits for the acknowledgement, at most until {@code flushTimeout} after
         * the retirement, and then grants the client the wait once more before the fallback runs. A client
         * that has everything and does not close meets the fallback after one wait, as before.
         */
        public Builder clientWait(Duration d) {
            v.clientWait = SettingsValues.positive("close.client-wait", d);
            return this;
        }

        /** How long an RST may wait for the acknowledgement of every byte ({@code close.ack-wait}), positive. */
        public Builder ackWait(Duration d) {
            v.ackWait = SettingsValues.positive("close.ack-wait", d);
            return this;
        }

        /**
         * Whether an RST that is not a reply to the peer's FIN first waits until every byte is
         * acknowledged ({@code close.reset-after-ack}, default true). Turning it off lets an RST destroy
         * response bytes the peer has not received yet; only do that for peers that never need them.
         */
        public Builder resetAfterAck(boolean on) {
            v.resetAfterAck = on;
            return this;
        }

        /** Total bound of lingering ({@code close.linger-time}), positive. */
        public Builder lingerTime(Duration d) {
            v.lingerTime = SettingsValues.positive("close.linger-time", d);
            return this;
        }

        /** Silence that ends lingering ({@code close.linger-timeout}), positive. */
        public Builder lingerTimeout(Duration d) {
            v.lingerTimeout = SettingsValues.positive("close.linger-timeout", d);
            return this;
        }

        /** Most input discarded while closing ({@code close.linger-bytes}), positive. */
        public Builder lingerBytes(long bytes) {
            if (bytes <= 0) {
                throw SpecValues.bad("close.linger-bytes", Long.toString(bytes), "a positive size in bytes");
            }
            v.lingerBytes = bytes;
            return this;
        }

        /**
         * Bound of flushing the last response ({@code close.flush-timeout}), positive, counted from the
         * retirement; with client-first it also bounds the wait for the response's acknowledgement (see
         * {@link #clientWait(Duration)}), so a client that does not read is held no longer than by a flush.
         */
        public Builder flushTimeout(Duration d) {
            v.flushTimeout = SettingsValues.positive("close.flush-timeout", d);
            return this;
        }

        /**
         * How long client-first settings wait for the FIN of an HTTP/1.0 peer not yet known to close first or to
         * read to EOF, before a FIN ({@code close.eof-probe}), positive (a shorter {@code close.client-wait} applies
         * instead); default
         * {@link CloseSettings#DEFAULT_EOF_PROBE}. A proxy that closes after a length-delimited response (nginx:
         * 0.3 ms median, 4 ms at most, measured on an idle host) is seen well within it even on a loaded host,
         * where a proxy's close took over 100 ms at times (a miss makes the proxy a known EOF reader: its server
         * TIME_WAIT comes back until the memory expires); a peer reading to EOF (ab) stalls once for it per address
         * and expiry of the peer memory.
         */
        public Builder eofProbe(Duration d) {
            v.eofProbe = SettingsValues.positive("close.eof-probe", d);
            return this;
        }

        /**
         * Who closes first after a length-delimited HTTP/1.0 response under client-first settings
         * ({@code close.http10-first}): {@link Http10First#LEARN} (default), or pinned for peers known to close
         * first ({@link Http10First#CLIENT}, e.g. a rule for the proxies' addresses) or to read to EOF.
         */
        public Builder http10First(Http10First how) {
            v.http10First = Objects.requireNonNull(how, "close.http10-first (http10First) must not be null");
            return this;
        }

        /** Maximum requests per connection ({@code reuse.max-requests}), at least 1; 1 means no reuse. */
        public Builder maxRequests(long n) {
            if (n < 1) {
                throw SpecValues.bad("reuse.max-requests", Long.toString(n), "a whole number >= 1, or unlimited");
            }
            v.maxRequests = n;
            return this;
        }

        /** No request limit ({@code reuse.max-requests=unlimited}). */
        public Builder unlimitedRequests() {
            v.maxRequests = Long.MAX_VALUE;
            return this;
        }

        /** Idle timeout ({@code reuse.idle-timeout}), at least {@link #MIN_IDLE_TIMEOUT}. */
        public Builder idleTimeout(Duration d) {
            SettingsValues.positive("reuse.idle-timeout", d);
            if (d.compareTo(MIN_IDLE_TIMEOUT) < 0) {
                throw SpecValues.bad("reuse.idle-timeout", SpecValues.duration(d), idleTimeoutAllowed());
            }
            v.idleTimeout = d;
            return this;
        }

        static String idleTimeoutAllowed() {
            return "at least " + SpecValues.duration(MIN_IDLE_TIMEOUT)
                    + ", and longer than the idle timeout of the clients and load balancers in front";
        }

        /** Maximum connection age ({@code reuse.max-age}), positive. */
        public Builder maxAge(Duration d) {
            v.maxAge = SettingsValues.positive("reuse.max-age", d);
            return this;
        }

        /** No maximum age ({@code reuse.max-age=none}). */
        public Builder noMaxAge() {
            v.maxAge = null;
            return this;
        }

        /** Jitter of max age and max requests ({@code reuse.jitter}), a fraction in [0, 0.5]. */
        public Builder jitter(double fraction) {
            if (!(fraction >= 0 && fraction <= MAX_JITTER)) {
                throw SpecValues.bad("reuse.jitter", Double.toString(fraction), "a fraction from 0 to 0.5 (0% to 50%)");
            }
            v.jitter = fraction + 0.0; // -0.0 becomes 0.0: equal settings, equal text
            return this;
        }

        /** Seed of the per-connection jitter ({@code reuse.jitter-seed}). */
        public Builder jitterSeed(long seed) {
            v.jitterSeed = seed;
            return this;
        }

        /** Whether the client's {@code Connection: close} retires the connection ({@code reuse.honour-client-close}). */
        public Builder honourClientClose(boolean on) {
            v.honourClientClose = on;
            return this;
        }

        /**
         * Bound of draining the streams in flight after an HTTP/2 {@code GOAWAY} ({@code reuse.drain-timeout}),
         * positive; 30 s by default (Netty's graceful shutdown timeout).
         */
        public Builder drainTimeout(Duration d) {
            v.drainTimeout = SettingsValues.positive("reuse.drain-timeout", d);
            return this;
        }

        /** Applies one spec entry; the key is one of {@link CloseSettings#KEYS}. */
        Builder set(String key, String value) {
            return SettingsKey.of(key).apply(this, value);
        }

        /**
         * Builds the settings.
         *
         * @throws IllegalArgumentException when {@code close.mode=linger} is combined with {@code close.first=client}
         */
        public CloseSettings build() {
            if (v.closer == Closer.CLIENT_FIRST && v.mode == CloseMode.LINGER) {
                throw new IllegalArgumentException("invalid value 'linger' for key 'close.mode': with close.first=client the"
                        + " mode is what the server does on the client's FIN, fin or rst; use close.fallback=linger"
                        + " or close.first=server");
            }
            return new CloseSettings(this);
        }
    }
}
