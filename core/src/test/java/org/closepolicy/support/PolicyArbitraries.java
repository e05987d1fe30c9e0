package org.closepolicy.support;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.function.BiFunction;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Builders;
import net.jqwik.api.Combinators;
import org.closepolicy.Cidr;
import org.closepolicy.ClosePolicy;
import org.closepolicy.CloseMode;
import org.closepolicy.CloseSettings;
import org.closepolicy.Http10First;
import org.closepolicy.Closer;
import org.closepolicy.HttpVersion;
import org.closepolicy.Load;
import org.closepolicy.Preset;
import org.closepolicy.Protocol;
import org.closepolicy.Rule;
import org.closepolicy.StandardClosePolicy;

/**
 * Generators of settings, address blocks, rules, policies and connection views, all within the
 * ranges the API accepts.
 *
 * <p>Thread-safety: stateless.
 */
public final class PolicyArbitraries {

    private static final long[] UNITS = {1L, 1_000L, 1_000_000L, 1_000_000_000L, 60_000_000_000L, 3_600_000_000_000L, 86_400_000_000_000L};

    private PolicyArbitraries() {
    }

    /** Durations in [min, max], mostly whole units (ms, s, m, h, d), sometimes odd nanoseconds. */
    public static Arbitrary<Duration> durations(Duration min, Duration max) {
        long lo = min.toNanos();
        long hi = max.toNanos();
        Arbitrary<Long> whole = Combinators.combine(Arbitraries.of(UNITS[2], UNITS[3], UNITS[4], UNITS[5], UNITS[6], UNITS[1], UNITS[0]),
                Arbitraries.longs().between(1, 5_000)).as((u, n) -> u * n);
        Arbitrary<Long> raw = Arbitraries.longs().between(lo, hi);
        return Arbitraries.oneOf(whole, whole, whole, raw).map(n -> Duration.ofNanos(Math.max(lo, Math.min(hi, n))));
    }

    /** One change to a settings builder, shown as its spec key and value. */
    public record Change(String key, Object value, BiFunction<CloseSettings.Builder, Object, CloseSettings.Builder> how) {
        CloseSettings.Builder applyTo(CloseSettings.Builder b) {
            return how.apply(b, value);
        }

        @Override
        public String toString() {
            return key + "=" + value;
        }
    }

    private static <T> Arbitrary<Change> change(String key, Arbitrary<T> values, BiFunction<CloseSettings.Builder, T, CloseSettings.Builder> how) {
        @SuppressWarnings("unchecked")
        BiFunction<CloseSettings.Builder, Object, CloseSettings.Builder> untyped = (b, v) -> how.apply(b, (T) v);
        return values.map(v -> new Change(key, v, untyped));
    }

    /** Any valid settings: a preset, then random changes to every knob (waits up to 30 days). */
    public static Arbitrary<CloseSettings> settings() {
        return settings(Duration.ofDays(30));
    }

    /** Any valid settings whose waits are at most {@code maxWait}. */
    public static Arbitrary<CloseSettings> settings(Duration maxWait) {
        Arbitrary<Duration> waits = durations(Duration.ofMillis(1), maxWait);
        Arbitrary<Duration> idle = durations(CloseSettings.MIN_IDLE_TIMEOUT, maxWait.compareTo(CloseSettings.MIN_IDLE_TIMEOUT) < 0
                ? CloseSettings.MIN_IDLE_TIMEOUT : maxWait);
        Arbitrary<Double> jitter = Arbitraries.oneOf(
                Arbitraries.of(0.0, 0.05, 0.1, 0.25, 0.5, 0.333, 0.001),
                Arbitraries.doubles().between(0.0, CloseSettings.MAX_JITTER));
        Arbitrary<Change> changes = Arbitraries.oneOf(List.of(
                change("close.first", Arbitraries.of(Closer.class), CloseSettings.Builder::closer),
                change("close.mode", Arbitraries.of(CloseMode.class), CloseSettings.Builder::mode),
                change("close.fallback", Arbitraries.of(CloseMode.class), CloseSettings.Builder::fallback),
                change("close.client-wait", waits, CloseSettings.Builder::clientWait),
                change("close.ack-wait", waits, CloseSettings.Builder::ackWait),
                change("close.reset-after-ack", Arbitraries.of(true, false), CloseSettings.Builder::resetAfterAck),
                change("close.linger-time", waits, CloseSettings.Builder::lingerTime),
                change("close.linger-timeout", waits, CloseSettings.Builder::lingerTimeout),
                change("close.linger-bytes", Arbitraries.longs().between(1, 1L << 40), CloseSettings.Builder::lingerBytes),
                change("close.flush-timeout", waits, CloseSettings.Builder::flushTimeout),
                change("close.eof-probe", waits, CloseSettings.Builder::eofProbe),
                change("close.http10-first", Arbitraries.of(Http10First.class), CloseSettings.Builder::http10First),
                change("reuse.max-requests", Arbitraries.longs().between(1, 100_000), CloseSettings.Builder::maxRequests),
                change("reuse.max-requests", Arbitraries.just("unlimited"), (b, x) -> b.unlimitedRequests()),
                change("reuse.idle-timeout", idle, CloseSettings.Builder::idleTimeout),
                change("reuse.max-age", waits, CloseSettings.Builder::maxAge),
                change("reuse.max-age", Arbitraries.just("none"), (b, x) -> b.noMaxAge()),
                change("reuse.jitter", jitter, CloseSettings.Builder::jitter),
                change("reuse.jitter-seed", Arbitraries.longs(), CloseSettings.Builder::jitterSeed),
                change("reuse.honour-client-close", Arbitraries.of(true, false), CloseSettings.Builder::honourClientClose),
                change("reuse.drain-timeout", waits, CloseSettings.Builder::drainTimeout)));
        return Combinators.combine(Arbitraries.of(Preset.class), changes.list().ofMaxSize(10))
                .as((preset, list) -> {
                    CloseSettings.Builder b = CloseSettings.builder(preset);
                    for (Change c : list) {
                        b = c.applyTo(b);
                    }
                    return buildValid(b);
                });
    }

    /** Builds, turning the one invalid combination (client-first with linger) into client-first with FIN. */
    private static CloseSettings buildValid(CloseSettings.Builder b) {
        try {
            return b.build();
        } catch (IllegalArgumentException e) {
            return b.mode(CloseMode.FIN).build();
        }
    }

    /** IPv4 blocks, IPv6 blocks, and IPv4 blocks written as IPv4-mapped IPv6. */
    public static Arbitrary<Cidr> cidrs() {
        return Arbitraries.oneOf(cidrTexts()).map(Cidr::parse);
    }

    /** Texts of blocks as a user would write them. */
    public static List<Arbitrary<String>> cidrTexts() {
        Arbitrary<String> v4 = Combinators.combine(Arbitraries.integers(), Arbitraries.integers().between(0, 32))
                .as((a, p) -> v4(a) + "/" + p);
        Arbitrary<String> v6 = Combinators.combine(Arbitraries.bytes().array(byte[].class).ofSize(16), Arbitraries.integers().between(0, 128))
                .as((a, p) -> literal(a) + "/" + p);
        Arbitrary<String> mapped = Combinators.combine(Arbitraries.integers(), Arbitraries.integers().between(96, 128))
                .as((a, p) -> "::ffff:" + v4(a) + "/" + p);
        Arbitrary<String> host = Arbitraries.oneOf(Arbitraries.integers().map(PolicyArbitraries::v4),
                Arbitraries.bytes().array(byte[].class).ofSize(16).map(PolicyArbitraries::literal));
        return List.of(v4, v6, mapped, host);
    }

    /** Dotted-quad text of an IPv4 address. */
    public static String v4(int a) {
        return ((a >>> 24) & 0xFF) + "." + ((a >>> 16) & 0xFF) + "." + ((a >>> 8) & 0xFF) + "." + (a & 0xFF);
    }

    /** The literal text of raw address bytes (4 or 16). */
    public static String literal(byte[] a) {
        try {
            return InetAddress.getByAddress(a).getHostAddress();
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(e);
        }
    }

    /** Rule names valid in spec text. */
    public static Arbitrary<String> ruleNames() {
        Arbitrary<Character> first = Arbitraries.chars().range('a', 'z').numeric();
        Arbitrary<String> rest = Arbitraries.strings().withCharRange('a', 'z').numeric().withChars('-', '_').ofMaxLength(10);
        return Combinators.combine(first, rest).as((f, r) -> f + r);
    }

    /** What a generated rule is made of. */
    public record RuleRecipe(String name, List<Cidr> cidrs, Set<Protocol> protocols, long minOpen, long minTimeWait, CloseSettings settings) {
        /** The rule. */
        public Rule build() {
            Rule.Builder b = Rule.builder(name).whenRemoteIn(cidrs.toArray(new Cidr[0]))
                    .whenProtocol(protocols.toArray(new Protocol[0])).settings(settings);
            if (minOpen > 0) {
                b.whenMinOpenConnections(minOpen);
            }
            if (minTimeWait > 0) {
                b.whenMinServerTimeWait(minTimeWait);
            }
            return b.build();
        }
    }

    /** Rules with 0–3 blocks, any protocols, optional load thresholds, and their own settings. */
    public static Arbitrary<RuleRecipe> rules(Arbitrary<CloseSettings> settings) {
        Arbitrary<Long> threshold = Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(2, Arbitraries.just(0L)),
                net.jqwik.api.Tuple.of(1, Arbitraries.longs().between(1, 100_000)));
        return Combinators.combine(ruleNames(), cidrs().list().ofMaxSize(3), Arbitraries.of(Protocol.class).set().ofMaxSize(3),
                threshold, threshold, settings).as(RuleRecipe::new);
    }

    /** Policies: any settings plus 0–3 rules with distinct names. */
    public static Arbitrary<StandardClosePolicy> policies() {
        return policies(settings());
    }

    /** Policies built from these settings plus 0–3 rules with distinct names. */
    public static Arbitrary<StandardClosePolicy> policies(Arbitrary<CloseSettings> settings) {
        return Combinators.combine(settings, rules(settings).list().ofMaxSize(3).uniqueElements(RuleRecipe::name))
                .as((defaults, rules) -> {
                    StandardClosePolicy.Builder b = ClosePolicy.builder().defaults(x -> defaults.toBuilder());
                    for (RuleRecipe r : rules) {
                        b.rule(r.build());
                    }
                    return b.build();
                });
    }

    /** Remote addresses: IPv4, IPv6, IPv4-mapped IPv6, private ranges often, sometimes none. */
    public static Arbitrary<InetSocketAddress> remotes() {
        Arbitrary<byte[]> v4 = Arbitraries.oneOf(
                Arbitraries.integers().map(PolicyArbitraries::v4bytes),
                Arbitraries.integers().between(0, 0xFFFFFF).map(i -> v4bytes(0x0A000000 | i)));
        Arbitrary<byte[]> v6 = Arbitraries.oneOf(
                Arbitraries.bytes().array(byte[].class).ofSize(16),
                Arbitraries.bytes().array(byte[].class).ofSize(15).map(b -> {
                    byte[] a = new byte[16];
                    a[0] = (byte) 0xFD;
                    System.arraycopy(b, 0, a, 1, 15);
                    return a;
                }));
        Arbitrary<byte[]> mapped = v4.map(b -> {
            byte[] a = new byte[16];
            a[10] = (byte) 0xFF;
            a[11] = (byte) 0xFF;
            System.arraycopy(b, 0, a, 12, 4);
            return a;
        });
        return Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(6, Arbitraries.oneOf(v4, v6, mapped).map(PolicyArbitraries::socket)),
                net.jqwik.api.Tuple.of(1, Arbitraries.just((InetSocketAddress) null)));
    }

    /** An address built from raw bytes: 16-byte IPv4-mapped addresses stay {@link java.net.Inet6Address}. */
    public static InetSocketAddress socket(byte[] a) {
        try {
            InetAddress addr = a.length == 16 ? java.net.Inet6Address.getByAddress(null, a, -1) : InetAddress.getByAddress(a);
            return new InetSocketAddress(addr, 40_000);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(e);
        }
    }

    private static byte[] v4bytes(int a) {
        return new byte[] {(byte) (a >>> 24), (byte) (a >>> 16), (byte) (a >>> 8), (byte) a};
    }

    /** Views at tick {@code now}: any flags, ages, idle times, request counts and load. */
    public static Arbitrary<TestView> views(long now) {
        Arbitrary<Duration> span = Arbitraries.oneOf(
                Arbitraries.longs().between(0, 10_000).map(Duration::ofMillis),
                Arbitraries.longs().between(0, 400_000).map(Duration::ofSeconds));
        Arbitrary<Load> loads = Combinators.combine(Arbitraries.longs().between(0, 200_000), Arbitraries.longs().between(0, 200_000))
                .as(TestView::load);
        return Builders.withBuilder(TestView::http11)
                .use(Arbitraries.longs()).in(TestView::id)
                .use(remotes()).in(TestView::remote)
                .use(Arbitraries.of(Protocol.class)).in(TestView::protocol)
                .use(Arbitraries.of(HttpVersion.class)).in(TestView::httpVersion)
                .use(Arbitraries.of(true, false)).in(TestView::clientRequestedClose)
                .use(Arbitraries.frequency(net.jqwik.api.Tuple.of(1, true), net.jqwik.api.Tuple.of(3, false))).in(TestView::eofDelimited)
                .use(Arbitraries.frequency(net.jqwik.api.Tuple.of(1, true), net.jqwik.api.Tuple.of(3, false))).in(TestView::unreadInput)
                .use(Arbitraries.oneOf(Arbitraries.longs().between(0, 3), Arbitraries.longs().between(0, 200_000))).in(TestView::requestsServed)
                .use(Combinators.combine(span, span).as((age, idle) -> new Duration[] {age.plus(idle), idle}))
                .in((v, t) -> v.timing(now, t[0], t[1]))
                .use(loads).in(TestView::load)
                .build();
    }
}
