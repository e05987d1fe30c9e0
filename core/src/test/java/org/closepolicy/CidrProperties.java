package org.closepolicy;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.closepolicy.support.PolicyArbitraries;

/** A block contains exactly the addresses that share its first prefix bits, for IPv4, IPv6 and IPv4-mapped peers. */
class CidrProperties {

    @Provide
    Arbitrary<Cidr> blocks() {
        return PolicyArbitraries.cidrs();
    }

    @Provide
    Arbitrary<InetAddress> addresses() {
        return PolicyArbitraries.remotes().filter(a -> a != null).map(a -> a.getAddress());
    }

    /** An address inside a block: the block's own network, with random host bits. */
    @Provide
    Arbitrary<Object[]> blockAndMember() {
        return Combinators.combine(blocks(), Arbitraries.bytes().array(byte[].class).ofSize(16), Arbitraries.of(true, false))
                .as((block, noise, mapped) -> {
                    String text = block.toString();
                    int slash = text.indexOf('/');
                    byte[] net = PolicyArbitraries.socket(literal(text.substring(0, slash))).getAddress().getAddress();
                    int prefix = Integer.parseInt(text.substring(slash + 1));
                    byte[] a = net.clone();
                    for (int bit = prefix; bit < a.length * 8; bit++) {
                        if ((noise[bit % 16] >> (bit % 8) & 1) != 0) {
                            a[bit / 8] ^= (byte) (0x80 >>> (bit % 8));
                        }
                    }
                    if (a.length == 4 && mapped) {
                        byte[] m = new byte[16];
                        m[10] = (byte) 0xFF;
                        m[11] = (byte) 0xFF;
                        System.arraycopy(a, 0, m, 12, 4);
                        a = m;
                    }
                    return new Object[] {block, PolicyArbitraries.socket(a).getAddress()};
                });
    }

    private static byte[] literal(String text) {
        try {
            return InetAddress.getByName(text).getAddress(); // a literal printed by Cidr: no lookup
        } catch (java.net.UnknownHostException e) {
            throw new AssertionError(e);
        }
    }

    @Property(tries = 500)
    void matchingAgreesWithPrefixArithmetic(@ForAll("blocks") Cidr block, @ForAll("addresses") InetAddress address) {
        assertThat(block.matches(address)).isEqualTo(DecisionInvariantProperties.modelContains(block, address));
    }

    @Property(tries = 500)
    void aBlockContainsEveryAddressWithItsPrefix(@ForAll("blockAndMember") Object[] pair) {
        Cidr block = (Cidr) pair[0];
        InetAddress member = (InetAddress) pair[1];
        assertThat(block.matches(member)).as("%s contains %s", block, member).isTrue();
    }
}
