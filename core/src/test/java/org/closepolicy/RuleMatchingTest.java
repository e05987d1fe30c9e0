package org.closepolicy;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetSocketAddress;
import org.closepolicy.support.TestView;
import org.junit.jupiter.api.Test;

/** Which rule decides for a connection. */
class RuleMatchingTest {

    private static final long NOW = 1_000_000_000_000L;

    private final StandardClosePolicy policy = ClosePolicy.parse("keep-alive, "
            + "rule.lan.when.cidr=10.0.0.0/8|fd00::/8, rule.lan.reuse.max-requests=unlimited, "
            + "rule.raw.when.protocol=tcp, rule.raw.close.first=server, "
            + "rule.busy.when.min-server-time-wait=10000, rule.busy.preset=safe-reset");

    private static TestView view() {
        return TestView.http11().requestsServed(1).openedAt(NOW).lastActivity(NOW);
    }

    private String ruleFor(TestView v) {
        CloseSettings s = policy.settingsFor(v);
        return policy.rules().stream().filter(r -> r.settings() == s).map(Rule::name).findFirst().orElse("defaults");
    }

    @Test
    void theFirstMatchingRuleWins() {
        assertThat(ruleFor(view().remote("10.1.2.3").protocol(Protocol.TCP).load(TestView.load(0, 50_000)))).isEqualTo("lan");
        assertThat(ruleFor(view().remote("192.0.2.1").protocol(Protocol.TCP).load(TestView.load(0, 50_000)))).isEqualTo("raw");
        assertThat(ruleFor(view().remote("192.0.2.1").load(TestView.load(0, 50_000)))).isEqualTo("busy");
        assertThat(ruleFor(view().remote("192.0.2.1"))).isEqualTo("defaults");
    }

    @Test
    void blocksMatchIpv4Ipv6AndIpv4Mapped() throws Exception {
        assertThat(ruleFor(view().remote("fd00::17"))).isEqualTo("lan");
        assertThat(ruleFor(view().remote(new InetSocketAddress(CidrMatchingTest.address("::ffff:10.9.8.7"), 1)))).isEqualTo("lan");
        assertThat(ruleFor(view().remote("2001:db8::1"))).isEqualTo("defaults");
    }

    @Test
    void aRuleMatchesExactlyWhenOneOfItsBlocksMatches() throws Exception {
        Rule v6 = Rule.builder("v6").whenRemoteIn("::/0").build();
        Rule v4 = Rule.builder("v4").whenRemoteIn("10.0.0.0/8").build();
        TestView mappedPeer = view().remote(new InetSocketAddress(CidrMatchingTest.address("::ffff:10.1.2.3"), 1));
        TestView v4Peer = view().remote("10.1.2.3");
        assertThat(v6.matches(mappedPeer)).isTrue();
        assertThat(v6.matches(v4Peer)).isFalse();
        assertThat(v4.matches(mappedPeer)).isTrue();
        assertThat(v4.matches(v4Peer)).isTrue();
        assertThat(v4.matches(view().remote("fd00::1"))).isFalse();
        Rule lan = Rule.builder("lan").whenRemoteIn("10.0.0.0/8", "fd00::/8").build();
        assertThat(lan.matches(mappedPeer)).isTrue();
        assertThat(lan.matches(view().remote(new InetSocketAddress(CidrMatchingTest.address("::ffff:11.1.2.3"), 1)))).isFalse();
        assertThat(lan.matches(view().remote("fd00::1"))).isTrue();
        Rule wide = Rule.builder("wide").whenRemoteIn("::/64").build();
        assertThat(wide.matches(mappedPeer)).isTrue();
        assertThat(wide.matches(view().remote("::1"))).isTrue();
        assertThat(wide.matches(v4Peer)).isFalse();
        Rule narrow = Rule.builder("narrow").whenRemoteIn("::fffe:0:0/95").build();
        assertThat(narrow.matches(mappedPeer)).isTrue();
        assertThat(Rule.builder("other").whenRemoteIn("::1:0:0/96").build().matches(mappedPeer)).isFalse();
    }

    @Test
    void aRuleWithBlocksNeverMatchesAConnectionWithoutAnAddress() {
        assertThat(ruleFor(view().remote((InetSocketAddress) null))).isEqualTo("defaults");
        assertThat(ruleFor(view().remote(InetSocketAddress.createUnresolved("10.0.0.1", 80)))).isEqualTo("defaults");
    }

    @Test
    void theMatchingRulesSettingsDecide() {
        Decision lan = policy.decide(view().remote("10.1.2.3").requestsServed(1_000_000), NOW);
        assertThat(lan).isInstanceOf(Reuse.class);
        Decision elsewhere = policy.decide(view().remote("192.0.2.1").requestsServed(1_000_000), NOW);
        assertThat(elsewhere).isInstanceOf(Retire.class);
    }

    @Test
    void loadRulesMatchAtOrAboveTheirThresholds() {
        Rule busy = Rule.builder("busy").whenMinOpenConnections(100).whenMinServerTimeWait(5_000).build();
        assertThat(busy.matches(view().load(TestView.load(100, 5_000)))).isTrue();
        assertThat(busy.matches(view().load(TestView.load(99, 5_000)))).isFalse();
        assertThat(busy.matches(view().load(TestView.load(100, 4_999)))).isFalse();
        assertThat(busy.matches(view().load(Load.NONE))).isFalse();
        assertThat(busy.minOpenConnections()).isEqualTo(100);
        assertThat(busy.minServerTimeWait()).isEqualTo(5_000);
    }

    @Test
    void conditionsAreAndedAndAlternativesWithinOneConditionAreOred() {
        Rule r = Rule.builder("r").whenRemoteIn("10.0.0.0/8", "192.168.0.0/16").whenProtocol(Protocol.HTTP1, Protocol.HTTP2).build();
        assertThat(r.matches(view().remote("192.168.1.1").protocol(Protocol.HTTP2))).isTrue();
        assertThat(r.matches(view().remote("10.0.0.1").protocol(Protocol.HTTP1))).isTrue();
        assertThat(r.matches(view().remote("10.0.0.1").protocol(Protocol.TCP))).isFalse();
        assertThat(r.matches(view().remote("172.16.0.1").protocol(Protocol.HTTP1))).isFalse();
    }

    @Test
    void aRuleWithoutConditionsMatchesEverything() {
        Rule all = Rule.builder("all").build();
        assertThat(all.matches(view())).isTrue();
        assertThat(all.matches(view().remote((InetSocketAddress) null).protocol(Protocol.TCP))).isTrue();
        assertThat(all.remoteBlocks()).isEmpty();
        assertThat(all.protocols()).isEmpty();
    }

    @Test
    void aViewWithoutProtocolDoesNotMatchAProtocolRule() {
        Rule tcp = Rule.builder("tcp").whenProtocol(Protocol.TCP).build();
        assertThat(tcp.matches(view().protocol(null))).isFalse();
        assertThat(Rule.builder("any").build().matches(view().protocol(null))).isTrue();
    }

    @Test
    void ruleSettingsChangesApplyToThePolicyDefaults() {
        StandardClosePolicy p = ClosePolicy.builder(Preset.SERVER_FIN)
                .rule(Rule.builder("lan").whenRemoteIn("10.0.0.0/8").settings(s -> s.mode(CloseMode.LINGER)))
                .build();
        CloseSettings s = p.rules().get(0).settings();
        assertThat(s.closer()).isEqualTo(Closer.SERVER_FIRST);
        assertThat(s.mode()).isEqualTo(CloseMode.LINGER);
        assertThat(s.maxRequests()).isEqualTo(1);
        // Built on its own, a rule's changes apply to the keep-alive defaults.
        assertThat(Rule.builder("x").settings(b -> b.maxRequests(3)).build().settings().closer()).isEqualTo(Closer.CLIENT_FIRST);
    }
}
