package org.closepolicy;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigInteger;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.closepolicy.support.PolicyArbitraries;
import org.closepolicy.support.TestView;

/** Rules every decision of every built policy obeys, whatever the settings, rules and connection. */
class DecisionInvariantProperties {

    /** A policy, a connection and the time of the decision. */
    record Case(StandardClosePolicy policy, TestView view, long now) {
    }

    @Provide
    Arbitrary<Case> cases() {
        Arbitrary<Long> now = Arbitraries.oneOf(Arbitraries.just(1L << 40),
                Arbitraries.longs().between(-(1L << 62), 1L << 62));
        return Combinators.combine(PolicyArbitraries.policies(), PolicyArbitraries.views(0), now)
                .as((p, v, t) -> new Case(p, v.shifted(t), t));
    }

    @Property(tries = 200)
    void decideNeverReturnsNullAndIsPure(@ForAll("cases") Case c) {
        Decision first = c.policy().decide(c.view(), c.now());
        assertThat(first).isNotNull();
        assertThat(c.policy().decide(c.view(), c.now())).isSameAs(first);
        StandardClosePolicy twin = ClosePolicy.parse(c.policy().toSpec());
        assertThat(twin.decide(c.view(), c.now())).isEqualTo(first);
    }

    @Property(tries = 200)
    void eofDelimitedClientsAlwaysGetAPromptServerClose(@ForAll("cases") Case c) {
        c.view().eofDelimited(true);
        Decision d = c.policy().decide(c.view(), c.now());
        assertThat(d).isInstanceOf(Retire.class);
        Retire r = (Retire) d;
        assertThat(r.closer()).isEqualTo(Closer.SERVER_FIRST);
        assertThat(r.mode()).isIn(CloseMode.FIN, CloseMode.LINGER);
        assertThat(r.reason()).isEqualTo(RetireReason.EOF_DELIMITED);
    }

    @Property(tries = 200)
    void unreadInputIsNeverClosedWithAPlainServerFin(@ForAll("cases") Case c) {
        c.view().unreadInput(true);
        if (c.policy().decide(c.view(), c.now()) instanceof Retire r && r.closer() == Closer.SERVER_FIRST) {
            assertThat(r.mode()).isNotEqualTo(CloseMode.FIN);
        }
    }

    @Property(tries = 200)
    void unreadInputChangesHowButNeverWhether(@ForAll("cases") Case c) {
        boolean withUnread = c.policy().decide(c.view().unreadInput(true), c.now()).retires();
        boolean without = c.policy().decide(c.view().unreadInput(false), c.now()).retires();
        assertThat(withUnread).isEqualTo(without);
    }

    @Property(tries = 200)
    void clientFirstNeverLingersItself(@ForAll("cases") Case c) {
        if (c.policy().decide(c.view(), c.now()) instanceof Retire r && r.closer() == Closer.CLIENT_FIRST) {
            assertThat(r.mode()).isIn(CloseMode.FIN, CloseMode.RST);
            assertThat(c.view().eofDelimited()).isFalse();
        }
    }

    @Property(tries = 200)
    void aReusedConnectionIsWithinEveryLimitAndItsNextCheckIsInTheFuture(@ForAll("cases") Case c) {
        Decision d = c.policy().decide(c.view(), c.now());
        if (!(d instanceof Reuse reuse)) {
            return;
        }
        CloseSettings s = c.policy().settingsFor(c.view());
        TestView v = c.view();
        assertThat(v.eofDelimited()).isFalse();
        assertThat(s.honourClientClose() && v.clientRequestedClose()).isFalse();
        assertThat(v.requestsServed()).isLessThan(s.maxRequests());
        assertThat(reuse.idleTimeout()).isEqualTo(s.idleTimeout());
        long next = Math.min(reuse.idleDeadline(v), reuse.retireAtNanos(v));
        assertThat(next - c.now()).isPositive();
        // Asking again when the timer fires retires the connection.
        assertThat(c.policy().decide(v, next).retires()).isTrue();
    }

    @Property(tries = 200)
    void connectionsRetireExactlyAtTheirJitteredLimits(@ForAll("cases") Case c, @ForAll @net.jqwik.api.constraints.IntRange(min = -2, max = 2) int off) {
        CloseSettings s = c.policy().settingsFor(c.view());
        TestView v = c.view().eofDelimited(false).unreadInput(false).clientRequestedClose(false).lastActivity(c.now());
        if (s.maxRequests() != Long.MAX_VALUE) {
            long limit = org.closepolicy.internal.Jitter.requests(s.maxRequests(), s.jitter(), s.jitterSeed(), v.id());
            v.requestsServed(Math.max(0, limit + off)).openedAt(c.now());
            boolean expected = limit + off >= limit;
            assertThat(retiredFor(s, v, c.now(), RetireReason.MAX_REQUESTS)).as("served %d of %d", limit + off, limit).isEqualTo(expected);
        }
        if (s.maxAge() != null) {
            long age = org.closepolicy.internal.Jitter.ageNanos(s.maxAge().toNanos(), s.jitter(), s.jitterSeed(), v.id());
            v.requestsServed(0).openedAt(c.now() - age - off).lastActivity(c.now());
            assertThat(retiredFor(s, v, c.now(), RetireReason.MAX_AGE)).as("age %d of %d", age + off, age).isEqualTo(off >= 0);
        }
    }

    private static boolean retiredFor(CloseSettings s, TestView v, long now, RetireReason reason) {
        // An HTTP/1.0 peer that reads to EOF (pinned by close.http10-first=server) is retired with a prompt FIN, and says so.
        return s.decide(v, now) instanceof Retire r && (r.reason() == reason
                || (v.httpVersion() == HttpVersion.HTTP_1_0 && r.reason() == RetireReason.EOF_DELIMITED));
    }

    @Property(tries = 200)
    void theFirstMatchingRuleDecides(@ForAll("cases") Case c) {
        CloseSettings expected = c.policy().defaults();
        for (Rule r : c.policy().rules()) {
            if (modelMatches(r, c.view())) {
                expected = r.settings();
                break;
            }
        }
        assertThat(c.policy().settingsFor(c.view())).isEqualTo(expected);
        assertThat(c.policy().decide(c.view(), c.now())).isEqualTo(expected.decide(c.view(), c.now()));
    }

    /** Matching re-stated from the documentation, with address arithmetic on whole numbers. */
    private static boolean modelMatches(Rule r, ConnectionView v) {
        if (!r.protocols().isEmpty() && !r.protocols().contains(v.protocol())) {
            return false;
        }
        if (!r.remoteBlocks().isEmpty()) {
            InetSocketAddress remote = v.remoteAddress();
            if (remote == null || remote.getAddress() == null) {
                return false;
            }
            if (r.remoteBlocks().stream().noneMatch(b -> modelContains(b, remote.getAddress()))) {
                return false;
            }
        }
        return v.load().openConnections() >= r.minOpenConnections() && v.load().serverTimeWait() >= r.minServerTimeWait();
    }

    static boolean modelContains(Cidr block, InetAddress address) {
        String text = block.toString();
        int slash = text.indexOf('/');
        byte[] net = literalBytes(text.substring(0, slash));
        int prefix = Integer.parseInt(text.substring(slash + 1));
        byte[] a = address.getAddress();
        if (net.length == 4 && a.length == 16 && isMapped(a)) {
            a = java.util.Arrays.copyOfRange(a, 12, 16);
        }
        if (net.length != a.length) {
            return false;
        }
        int bits = a.length * 8;
        BigInteger mask = BigInteger.ONE.shiftLeft(bits).subtract(BigInteger.ONE)
                .xor(BigInteger.ONE.shiftLeft(bits - prefix).subtract(BigInteger.ONE));
        return new BigInteger(1, a).and(mask).equals(new BigInteger(1, net).and(mask));
    }

    private static boolean isMapped(byte[] a) {
        for (int i = 0; i < 10; i++) {
            if (a[i] != 0) {
                return false;
            }
        }
        return a[10] == (byte) 0xFF && a[11] == (byte) 0xFF;
    }

    private static byte[] literalBytes(String literal) {
        try {
            return InetAddress.getByName(literal).getAddress(); // a literal printed by Cidr: never a name lookup
        } catch (UnknownHostException e) {
            throw new AssertionError(e);
        }
    }

    @Property(tries = 200)
    void rulesWithDistinctSettingsShowWhichOneDecided(@ForAll("cases") Case c) {
        // Give every rule a distinct jitter seed so equal-looking settings cannot hide a wrong match.
        StandardClosePolicy.Builder b = ClosePolicy.builder().defaults(x -> c.policy().defaults().toBuilder().jitterSeed(-1));
        List<Rule> rules = c.policy().rules();
        for (int i = 0; i < rules.size(); i++) {
            Rule r = rules.get(i);
            Rule.Builder rb = Rule.builder(r.name()).whenRemoteIn(r.remoteBlocks().toArray(new Cidr[0]))
                    .whenProtocol(r.protocols().toArray(new Protocol[0])).settings(r.settings().toBuilder().jitterSeed(i).build());
            if (r.minOpenConnections() > 0) {
                rb.whenMinOpenConnections(r.minOpenConnections());
            }
            if (r.minServerTimeWait() > 0) {
                rb.whenMinServerTimeWait(r.minServerTimeWait());
            }
            b.rule(rb.build());
        }
        StandardClosePolicy p = b.build();
        long expectedSeed = -1;
        for (int i = 0; i < rules.size(); i++) {
            if (modelMatches(rules.get(i), c.view())) {
                expectedSeed = i;
                break;
            }
        }
        assertThat(p.settingsFor(c.view()).jitterSeed()).isEqualTo(expectedSeed);
        if (p.decide(c.view(), c.now()) instanceof Retire r) {
            assertThat(r.settings().jitterSeed()).isEqualTo(expectedSeed);
        }
    }
}
