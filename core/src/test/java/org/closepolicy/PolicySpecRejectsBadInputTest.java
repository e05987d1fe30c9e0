package org.closepolicy;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Every mistake in spec text is an {@link IllegalArgumentException} whose message names the key,
 * the value as written, and what is allowed.
 */
class PolicySpecRejectsBadInputTest {

    static Stream<Arguments> mistakes() {
        return Stream.of(
                // spec text                                                    key                            value            what is allowed
                row("server-fin, close.color=blue",                            "close.color",                 "blue",          "allowed keys: close.first"),
                row("keep-alive, rule.lan.color=blue",                         "rule.lan.color",              "blue",          "rule.lan.when.cidr"),
                row("rule.lan=blue",                                           "rule.lan",                    "blue",          "rule.NAME.KEY"),
                row("close.client-wait=2 parsecs",                             "close.client-wait",           "2 parsecs",     "units: ns, us, ms, s, m, h, d"),
                row("close.client-wait=-1s",                                   "close.client-wait",           "-1s",           "a positive duration"),
                row("close.ack-wait=0s",                                       "close.ack-wait",              "0s",            "a positive duration"),
                row("close.linger-time=abc",                                   "close.linger-time",           "abc",           "a positive duration"),
                row("close.flush-timeout=PT-5S",                               "close.flush-timeout",         "PT-5S",         "a positive duration"),
                row("close.linger-bytes=0",                                    "close.linger-bytes",          "0",             "a positive size"),
                row("close.linger-bytes=-5",                                   "close.linger-bytes",          "-5",            "a positive size"),
                row("close.linger-bytes=12 furlongs",                          "close.linger-bytes",          "12 furlongs",   "64KiB"),
                row("reuse.max-requests=0",                                    "reuse.max-requests",          "0",             "a whole number >= 1, or unlimited"),
                row("reuse.max-requests=-3",                                   "reuse.max-requests",          "-3",            "a whole number >= 1, or unlimited"),
                row("reuse.max-age=0s",                                        "reuse.max-age",               "0s",            "or none"),
                row("reuse.jitter=51%",                                        "reuse.jitter",                "51%",           "0% to 50%"),
                row("reuse.jitter=-1%",                                        "reuse.jitter",                "-1%",           "0% to 50%"),
                row("reuse.jitter=0.6",                                        "reuse.jitter",                "0.6",           "0% to 50%"),
                row("reuse.jitter-seed=lucky",                                 "reuse.jitter-seed",           "lucky",         "a whole number"),
                row("reuse.idle-timeout=500ms",                                "reuse.idle-timeout",          "500ms",         "at least 1s"),
                row("reuse.idle-timeout=PT0.5S",                               "reuse.idle-timeout",          "PT0.5S",        "at least 1s"),
                row("close.first=sideways",                                    "close.first",                 "sideways",      "server or client"),
                row("close.mode=slam",                                         "close.mode",                  "slam",          "fin, linger or rst"),
                row("close.http10-first=maybe",                                "close.http10-first",          "maybe",         "learn, client"),
                row("close.eof-probe=0ms",                                     "close.eof-probe",             "0ms",           "positive"),
                row("rule.proxy.when.cidr=10.0.0.0/8, rule.proxy.close.http10-first=nginx", "rule.proxy.close.http10-first", "nginx", "learn, client"),
                row("close.reset-after-ack=maybe",                             "close.reset-after-ack",       "maybe",         "true or false"),
                row("client-first, close.mode=linger",                         "close.mode",                  "linger",        "close.first=server"),
                row("close.first=server, close.first=client",                  "close.first",                 "client",        "each key may appear once"),
                row("CLOSE.FIRST=server; close.first=server",                  "close.first",                 "server",        "each key may appear once"),
                row("close.first=",                                            "close.first",                 "",              "a value is required"),
                row("close.first=server, client-first",                        "preset",                      "client-first",  "only be the first entry"),
                row("fastest",                                                 "preset",                      "fastest",       "server-fin, lingering, client-first, safe-reset, keep-alive"),
                row("preset=fastest",                                          "preset",                      "fastest",       "server-fin, lingering, client-first, safe-reset, keep-alive"),
                row("rule.lan.when.cidr=10.0.0.0/33",                          "rule.lan.when.cidr",          "10.0.0.0/33",   "a prefix length from 0 to 32"),
                row("rule.lan.when.cidr=fd00::/129",                           "rule.lan.when.cidr",          "fd00::/129",    "a prefix length from 0 to 128"),
                row("rule.lan.when.cidr=300.1.1.1/8",                          "rule.lan.when.cidr",          "300.1.1.1/8",   "an IPv4 or IPv6 block"),
                row("rule.lan.when.cidr=010.1.1.1/8",                          "rule.lan.when.cidr",          "010.1.1.1/8",   "an IPv4 or IPv6 block"),
                row("rule.lan.when.cidr=example.com/8",                        "rule.lan.when.cidr",          "example.com/8", "an IPv4 or IPv6 block"),
                row("rule.lan.when.cidr=10.0.0.0/8|localhost",                 "rule.lan.when.cidr",          "localhost",     "an IPv4 or IPv6 block"),
                row("rule.lan.when.cidr=10.0.0/8",                             "rule.lan.when.cidr",          "10.0.0/8",      "an IPv4 or IPv6 block"),
                row("rule.lan.when.protocol=ftp",                              "rule.lan.when.protocol",      "ftp",           "http1, http2 or tcp"),
                row("rule.lan.when.min-open-connections=0",                    "rule.lan.when.min-open-connections", "0",      "a whole number >= 1"),
                row("rule.lan.when.min-server-time-wait=many",                 "rule.lan.when.min-server-time-wait", "many",   "a whole number >= 1"),
                row("rule.lan.preset=fastest",                                 "rule.lan.preset",             "fastest",       "a preset name"),
                row("rule.lan.close.client-wait=0s",                           "rule.lan.close.client-wait",  "0s",            "a positive duration"),
                row("rule.lan.reuse.idle-timeout=10ms",                        "rule.lan.reuse.idle-timeout", "10ms",          "at least 1s"),
                row("rule.lan.preset=client-first, rule.lan.close.mode=linger", "rule.lan.close.mode",        "linger",        "close.first=server"),
                row("rule.-lan.when.cidr=10.0.0.0/8",                          "rule.-lan.when.cidr",         "-lan",          "lower-case letters, digits"),
                row("rule.a b.when.cidr=10.0.0.0/8",                           "rule.a b.when.cidr",          "a b",           "lower-case letters, digits"),
                row("rule..close.first=server",                                "rule..close.first",           "",              "lower-case letters, digits"));
    }

    private static Arguments row(String spec, String key, String value, String allowed) {
        return Arguments.of(spec, key, value, allowed);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("mistakes")
    void namesTheKeyTheValueAndWhatIsAllowed(String spec, String key, String value, String allowed) {
        assertThatThrownBy(() -> ClosePolicy.parse(spec))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'" + key + "'")
                .hasMessageContaining("'" + value + "'")
                .hasMessageContaining(allowed);
    }

    @ParameterizedTest(name = "\"{0}\"")
    @ValueSource(strings = {"", "   ", " , ; ", "\n"})
    void anEmptySpecSaysWhatToWrite(String spec) {
        assertThatThrownBy(() -> ClosePolicy.parse(spec))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("empty")
                .hasMessageContaining("keep-alive")
                .hasMessageContaining("key=value");
    }

    @Test
    void aNullSpecIsRejected() {
        assertThatThrownBy(() -> ClosePolicy.parse(null)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("null");
    }

    @Test
    void anEntryWithoutKeyIsRejected() {
        assertThatThrownBy(() -> ClosePolicy.parse("client-first, =server"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'=server'")
                .hasMessageContaining("key");
    }

    @Test
    void aDuplicateRuleNameInTheBuilderIsRejected() {
        assertThatThrownBy(() -> ClosePolicy.builder()
                .rule(Rule.builder("lan").whenRemoteIn("10.0.0.0/8"))
                .rule(Rule.builder("lan").whenRemoteIn("fd00::/8"))
                .build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'lan'");
    }

    @Test
    void builderSettersNameTheSpecKey() {
        assertThatThrownBy(() -> CloseSettings.builder().clientWait(java.time.Duration.ZERO))
                .hasMessageContaining("'close.client-wait'");
        assertThatThrownBy(() -> CloseSettings.builder().maxRequests(0)).hasMessageContaining("'reuse.max-requests'");
        assertThatThrownBy(() -> CloseSettings.builder().jitter(0.51)).hasMessageContaining("'reuse.jitter'");
        assertThatThrownBy(() -> CloseSettings.builder().jitter(Double.NaN)).hasMessageContaining("'reuse.jitter'");
        assertThatThrownBy(() -> CloseSettings.builder().idleTimeout(java.time.Duration.ofMillis(999)))
                .hasMessageContaining("'reuse.idle-timeout'").hasMessageContaining("at least 1s");
        assertThatThrownBy(() -> CloseSettings.builder().lingerBytes(0)).hasMessageContaining("'close.linger-bytes'");
        assertThatThrownBy(() -> Rule.builder("Upper")).hasMessageContaining("'Upper'");
    }
}
