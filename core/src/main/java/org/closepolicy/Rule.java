package org.closepolicy;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.function.UnaryOperator;
import java.util.regex.Pattern;
import org.closepolicy.internal.SpecValues;

/**
 * One rule of a {@link StandardClosePolicy}: when all its conditions hold (remote address in one of
 * its blocks, protocol among its protocols, load at or above its thresholds), its settings decide.
 * The first matching rule wins; a rule without conditions matches every connection.
 *
 * <pre>{@code
 * Rule internal = Rule.builder("internal")
 *         .whenRemoteIn("10.0.0.0/8", "fd00::/8")
 *         .whenProtocol(Protocol.HTTP1)
 *         .settings(s -> s.maxRequests(100_000))
 *         .build();
 * }</pre>
 *
 * <p>Thread-safety: immutable.
 */
public final class Rule {

    private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9_-]{0,63}");

    private final String name;
    private final Cidr[] cidrs;
    // The IPv4 blocks flattened, and the IPv6 blocks: matching reads no block objects for IPv4 peers.
    private final int[] v4Networks;
    private final int[] v4Masks;
    private final Cidr[] v6Blocks;
    private final boolean v6CoversMapped; // an IPv6 block contains ::ffff:0:0/96, so IPv4-mapped peers match it
    private final int protocolMask;
    private final long minOpenConnections;
    private final long minServerTimeWait;
    private final CloseSettings settings;

    private Rule(Builder b, CloseSettings settings) {
        this.name = b.name;
        this.cidrs = b.cidrs.toArray(new Cidr[0]);
        int v4 = 0;
        for (Cidr c : cidrs) {
            v4 += c.isIpv4() ? 1 : 0;
        }
        this.v4Networks = new int[v4];
        this.v4Masks = new int[v4];
        this.v6Blocks = new Cidr[cidrs.length - v4];
        int i = 0;
        int j = 0;
        boolean coversMapped = false;
        for (Cidr c : cidrs) {
            if (c.isIpv4()) {
                v4Networks[i] = c.ipv4Network();
                v4Masks[i++] = c.ipv4Mask();
            } else {
                v6Blocks[j++] = c;
                coversMapped |= c.coversIpv4Mapped();
            }
        }
        this.v6CoversMapped = coversMapped;
        int mask = 0;
        for (Protocol p : b.protocols) {
            mask |= 1 << p.ordinal();
        }
        this.protocolMask = mask;
        this.minOpenConnections = b.minOpenConnections;
        this.minServerTimeWait = b.minServerTimeWait;
        this.settings = settings;
    }

    /** A builder for a rule with this name (lower-case letters, digits, '-' and '_'). */
    public static Builder builder(String name) {
        return new Builder(name);
    }

    /**
     * Whether all of this rule's conditions hold for the connection. Allocation-free for IPv4 peers
     * (with a view that caches {@link ConnectionView#remoteIpv4()}, as adapters' records do).
     */
    public boolean matches(ConnectionView view) {
        if (protocolMask != 0) {
            Protocol p = view.protocol();
            if (p == null || (protocolMask & (1 << p.ordinal())) == 0) {
                return false;
            }
        }
        if (cidrs.length > 0 && !remoteIn(view)) {
            return false;
        }
        if (minOpenConnections > 0 || minServerTimeWait > 0) {
            Load load = view.load();
            if (minOpenConnections > 0 && load.openConnections() < minOpenConnections) {
                return false;
            }
            if (minServerTimeWait > 0 && load.serverTimeWait() < minServerTimeWait) {
                return false;
            }
        }
        return true;
    }

    /** Exactly {@code any block matches the remote address}, without touching block objects for IPv4 peers. */
    private boolean remoteIn(ConnectionView view) {
        long v4 = view.remoteIpv4();
        if (v4 >= 0) {
            int a = (int) v4;
            for (int i = 0; i < v4Networks.length; i++) {
                if ((a & v4Masks[i]) == v4Networks[i]) {
                    return true;
                }
            }
            // An IPv6 block never matches an IPv4 peer, and matches every IPv4-mapped peer if it covers one.
            if (!v6CoversMapped) {
                return false;
            }
            InetSocketAddress remote = view.remoteAddress();
            return remote != null && remote.getAddress() instanceof java.net.Inet6Address;
        }
        if (v6Blocks.length == 0) {
            return false;
        }
        InetSocketAddress remote = view.remoteAddress();
        InetAddress address = remote == null ? null : remote.getAddress();
        if (address == null) {
            return false;
        }
        for (Cidr c : v6Blocks) {
            if (c.matches(address)) {
                return true;
            }
        }
        return false;
    }

    /** The rule's name. */
    public String name() {
        return name;
    }

    /** The settings that decide when this rule matches. */
    public CloseSettings settings() {
        return settings;
    }

    /** The remote address blocks (empty: any address). */
    public List<Cidr> remoteBlocks() {
        return List.of(cidrs);
    }

    /** The protocols (empty: any protocol). */
    public Set<Protocol> protocols() {
        EnumSet<Protocol> s = EnumSet.noneOf(Protocol.class);
        for (Protocol p : Protocol.values()) {
            if ((protocolMask & (1 << p.ordinal())) != 0) {
                s.add(p);
            }
        }
        return Collections.unmodifiableSet(s);
    }

    /** Matches only when at least this many connections are open (0: no condition). */
    public long minOpenConnections() {
        return minOpenConnections;
    }

    /** Matches only when the server holds at least this many TIME_WAIT entries (0: no condition). */
    public long minServerTimeWait() {
        return minServerTimeWait;
    }

    /** Writes this rule's conditions as spec entries ({@code when.*} keys without the rule prefix). */
    void forEachCondition(java.util.function.BiConsumer<String, String> out) {
        if (cidrs.length > 0) {
            StringBuilder sb = new StringBuilder();
            for (Cidr c : cidrs) {
                sb.append(sb.length() > 0 ? "|" : "").append(c);
            }
            out.accept("when.cidr", sb.toString());
        }
        if (protocolMask != 0) {
            StringBuilder sb = new StringBuilder();
            for (Protocol p : protocols()) {
                sb.append(sb.length() > 0 ? "|" : "").append(p.specName());
            }
            out.accept("when.protocol", sb.toString());
        }
        if (minOpenConnections > 0) {
            out.accept("when.min-open-connections", Long.toString(minOpenConnections));
        }
        if (minServerTimeWait > 0) {
            out.accept("when.min-server-time-wait", Long.toString(minServerTimeWait));
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Rule r && r.name.equals(name) && java.util.Arrays.equals(r.cidrs, cidrs)
                && r.protocolMask == protocolMask && r.minOpenConnections == minOpenConnections
                && r.minServerTimeWait == minServerTimeWait && r.settings.equals(settings);
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, java.util.Arrays.hashCode(cidrs), protocolMask, minOpenConnections, minServerTimeWait, settings);
    }

    @Override
    public String toString() {
        return "Rule[" + name + "]";
    }

    /**
     * Builds a {@link Rule}. Conditions are ANDed; within one condition (several blocks, several
     * protocols) any one matches.
     *
     * <p>Thread-safety: not thread-safe.
     */
    public static final class Builder {
        private final String name;
        private final List<Cidr> cidrs = new ArrayList<>();
        private final EnumSet<Protocol> protocols = EnumSet.noneOf(Protocol.class);
        private long minOpenConnections;
        private long minServerTimeWait;
        private CloseSettings settings;
        private UnaryOperator<CloseSettings.Builder> customizer;

        Builder(String name) {
            if (name == null || !NAME.matcher(name).matches()) {
                throw SpecValues.bad("rule name", String.valueOf(name),
                        "1 to 64 characters: lower-case letters, digits, '-' and '_', starting with a letter or digit");
            }
            this.name = name;
        }

        /** Matches remote addresses in any of these blocks. */
        public Builder whenRemoteIn(String... blocks) {
            for (String b : blocks) {
                cidrs.add(Cidr.parse("rule." + name + ".when.cidr", b));
            }
            return this;
        }

        /** Matches remote addresses in any of these blocks. */
        public Builder whenRemoteIn(Cidr... blocks) {
            for (Cidr b : blocks) {
                cidrs.add(Objects.requireNonNull(b, "block"));
            }
            return this;
        }

        /** Matches any of these protocols. */
        public Builder whenProtocol(Protocol... ps) {
            for (Protocol p : ps) {
                protocols.add(Objects.requireNonNull(p, "protocol"));
            }
            return this;
        }

        /** Matches when at least {@code n} (≥ 1) connections are open. */
        public Builder whenMinOpenConnections(long n) {
            if (n < 1) {
                throw SpecValues.bad("rule." + name + ".when.min-open-connections", Long.toString(n), "a whole number >= 1");
            }
            this.minOpenConnections = n;
            return this;
        }

        /** Matches when the server holds at least {@code n} (≥ 1) TIME_WAIT entries. */
        public Builder whenMinServerTimeWait(long n) {
            if (n < 1) {
                throw SpecValues.bad("rule." + name + ".when.min-server-time-wait", Long.toString(n), "a whole number >= 1");
            }
            this.minServerTimeWait = n;
            return this;
        }

        /** The settings of this rule. */
        public Builder settings(CloseSettings s) {
            this.settings = Objects.requireNonNull(s, "settings");
            this.customizer = null;
            return this;
        }

        /** The settings of this rule, as changes to the policy's default settings. */
        public Builder settings(UnaryOperator<CloseSettings.Builder> changes) {
            this.customizer = Objects.requireNonNull(changes, "changes");
            this.settings = null;
            return this;
        }

        String name() {
            return name;
        }

        /** Builds the rule; settings changes apply to {@link CloseSettings#builder()} defaults. */
        public Rule build() {
            return build(CloseSettings.of(Preset.KEEP_ALIVE));
        }

        Rule build(CloseSettings base) {
            CloseSettings s = settings;
            if (s == null) {
                s = customizer == null ? base : customizer.apply(base.toBuilder()).build();
            }
            return new Rule(this, s);
        }
    }
}
