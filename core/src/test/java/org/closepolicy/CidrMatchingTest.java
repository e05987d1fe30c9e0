package org.closepolicy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Address blocks: IPv4, IPv6, and IPv4 peers seen as IPv4-mapped IPv6. */
class CidrMatchingTest {

    @ParameterizedTest(name = "{0} contains {1}: {2}")
    @CsvSource(delimiter = '|', textBlock = """
            # block               | address              | contains
            10.0.0.0/8            | 10.1.2.3             | true
            10.0.0.0/8            | 10.255.255.255       | true
            10.0.0.0/8            | 11.0.0.0             | false
            10.0.0.0/8            | 9.255.255.255        | false
            10.0.0.0/8            | ::ffff:10.1.2.3      | true
            10.0.0.0/8            | ::ffff:11.1.2.3      | false
            10.0.0.0/8            | ::a01:203            | false
            10.0.0.0/8            | fd00::1              | false
            192.168.1.0/24        | 192.168.1.77         | true
            192.168.1.0/24        | 192.168.2.1          | false
            172.16.0.0/12         | 172.31.255.1         | true
            172.16.0.0/12         | 172.32.0.1           | false
            192.0.2.7             | 192.0.2.7            | true
            192.0.2.7             | 192.0.2.8            | false
            0.0.0.0/0             | 203.0.113.9          | true
            0.0.0.0/0             | ::ffff:203.0.113.9   | true
            0.0.0.0/0             | 2001:db8::1          | false
            128.0.0.0/1           | 200.0.0.1            | true
            128.0.0.0/1           | 100.0.0.1            | false
            fd00::/8              | fd12:3456::1         | true
            fd00::/8              | fe80::1              | false
            fd00::/8              | 10.0.0.1             | false
            2001:db8::/32         | 2001:db8:ffff::1     | true
            2001:db8::/32         | 2001:db9::1          | false
            2001:db8:0:1::/65     | 2001:db8:0:1:7fff::1 | true
            2001:db8:0:1::/65     | 2001:db8:0:1:8000::1 | false
            ::/0                  | 2001:db8::1          | true
            ::/0                  | ::ffff:10.1.2.3      | true
            ::/0                  | 10.1.2.3             | false
            ::1                   | ::1                  | true
            ::1                   | ::2                  | false
            ::ffff:10.0.0.0/104   | 10.9.9.9             | true
            ::ffff:10.0.0.0/104   | ::ffff:10.9.9.9      | true
            ::ffff:10.0.0.0/104   | 11.9.9.9             | false
            """)
    void blockContainsAddress(String block, String address, boolean contains) throws UnknownHostException {
        assertThat(Cidr.parse(block).matches(address(address))).isEqualTo(contains);
    }

    /** IPv4-mapped literals stay IPv6 addresses, as a dual-stack socket may report them. */
    static InetAddress address(String literal) throws UnknownHostException {
        InetAddress a = InetAddress.getByName(literal);
        if (literal.startsWith("::ffff:") && literal.indexOf('.') > 0) {
            byte[] mapped = new byte[16];
            mapped[10] = (byte) 0xFF;
            mapped[11] = (byte) 0xFF;
            System.arraycopy(a.getAddress(), 0, mapped, 12, 4);
            a = Inet6Address.getByAddress(null, mapped, -1);
            assertThat(a).isInstanceOf(Inet6Address.class);
        }
        return a;
    }

    @Test
    void hostBitsAreIgnoredAndTheTextIsCanonical() {
        assertThat(Cidr.parse("10.1.2.3/8")).isEqualTo(Cidr.parse("10.0.0.0/8")).hasToString("10.0.0.0/8");
        assertThat(Cidr.parse(" 192.0.2.7 ")).hasToString("192.0.2.7/32");
        assertThat(Cidr.parse("::ffff:10.0.0.0/104")).isEqualTo(Cidr.parse("10.0.0.0/8"));
        assertThat(Cidr.parse("fd00:1::/8")).isEqualTo(Cidr.parse("fd00::/8"));
        assertThat(Cidr.parse("fd00::/8").prefixLength()).isEqualTo(8);
        assertThat(Cidr.parse("10.0.0.0/8")).isNotEqualTo(Cidr.parse("10.0.0.0/9"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"localhost", "example.com", "example.com/8", "300.1.1.1/8", "010.1.1.1", "1.2.3", "1.2.3.4.5",
            "10.0.0.0/33", "10.0.0.0/-1", "10.0.0.0/+8", "10.0.0.0/", "/8", "fd00::/129", "fd00::/x", "::ffff:10.0.0.0/95",
            "fe80::1%eth0", "[::1]", "1:2:3", "10.0.0.0/8/8", ""})
    void onlyLiteralBlocksAreAccepted(String text) {
        assertThatThrownBy(() -> Cidr.parse(text))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'" + text + "'");
    }

    @Test
    void nullIsNotABlock() {
        assertThatThrownBy(() -> Cidr.parse(null)).isInstanceOf(IllegalArgumentException.class);
    }
}
