package org.closepolicy.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;
import org.closepolicy.testkit.DeterministicBytes;
import org.junit.jupiter.api.Test;

/** The deterministic bodies, the XML's size and the small JSON codec the CLI writes its files with. */
class PayloadsAndJsonTest {

    @Property(tries = 50)
    void chunkedFillEqualsByteByByte(@ForAll @LongRange(max = 1L << 30) long offset, @ForAll @IntRange(max = 100) int len) {
        byte[] chunk = new byte[len];
        Payloads.fill(offset, chunk, len);
        for (int i = 0; i < len; i++) {
            assertThat(chunk[i]).isEqualTo(DeterministicBytes.byteAt(offset + i));
        }
    }

    @Test
    void shaOfAPrefixMatchesTheBytes() {
        byte[] b = new byte[200_001];
        Payloads.fill(0, b, b.length);
        assertThat(Payloads.sha256Hex(b.length)).isEqualTo(Payloads.hex(Payloads.sha256().digest(b)));
    }

    @Test
    void countsOutsideTheBoundAreRejectedWithTheBound() {
        assertThat(Payloads.parseCount("1073741824")).isEqualTo(1L << 30);
        for (String bad : new String[] {null, "", "-1", "1073741825", "1e3", "9999999999999999999999"}) {
            assertThatThrownBy(() -> Payloads.parseCount(bad)).as(bad).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("N <= 1073741824");
        }
    }

    @Test
    void theWeatherResponseIsAbout1point9KB() {
        assertThat(WeatherXml.length()).isBetween(1800, 2000);
        assertThat(new String(WeatherXml.bytes(), java.nio.charset.StandardCharsets.UTF_8)).startsWith("<?xml").endsWith("</weather>\n");
    }

    @Test
    void jsonRoundTrips() {
        Map<String, Object> o = Json.object();
        o.put("s", "a \"quoted\" \\ line\n\ttab");
        o.put("n", 42L);
        o.put("d", 0.25);
        o.put("b", true);
        o.put("z", null);
        o.put("l", List.of(1L, "x", Map.of()));
        o.put("raw", new Json.Raw("{\"k\":[1,2]}"));

        @SuppressWarnings("unchecked")
        Map<String, Object> back = (Map<String, Object>) Json.parse(Json.write(o));

        assertThat(back).containsOnlyKeys("s", "n", "d", "b", "z", "l", "raw")
                .containsEntry("s", "a \"quoted\" \\ line\n\ttab")
                .containsEntry("n", 42L)
                .containsEntry("d", 0.25)
                .containsEntry("b", true)
                .containsEntry("z", null)
                .containsEntry("l", List.of(1L, "x", Map.of()))
                .containsEntry("raw", Map.of("k", List.of(1L, 2L)));
        assertThatThrownBy(() -> Json.parse("{\"a\":}")).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("offset");
    }
}
