package org.closepolicy.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

class DeterministicBytesTest {

    @Test
    void streamIsPinned() {
        // Server and client builds must agree on these bytes forever.
        assertThat(HexFormat.of().formatHex(DeterministicBytes.generate(16))).isEqualTo(PINNED_FIRST_16);
        assertThat(DeterministicBytes.sha256Hex(1900)).isEqualTo(PINNED_SHA_1900);
    }

    static final String PINNED_FIRST_16 = "896c0ced14cc8437b6f854420c630efc";
    static final String PINNED_SHA_1900 =
            "9ac6ac744e327741c365ae01cfce4d42d182be8452be419e95f626328dac7c30";

    @Test
    void everyWayOfProducingTheStreamAgrees() throws IOException {
        byte[] all = DeterministicBytes.generate(100_003);
        for (long p : new long[] {0, 1, 7, 8, 9, 65_535, 100_002}) {
            assertThat(DeterministicBytes.byteAt(p)).isEqualTo(all[(int) p]);
        }
        byte[] slice = new byte[1001];
        DeterministicBytes.fill(slice, 1, 1000, 12_345);
        assertThat(Arrays.copyOfRange(slice, 1, 1001)).isEqualTo(Arrays.copyOfRange(all, 12_345, 13_345));
        assertThat(slice[0]).isZero();

        try (InputStream in = DeterministicBytes.stream(100_003)) {
            assertThat(in.readAllBytes()).isEqualTo(all);
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        DeterministicBytes.writeTo(out, 100_003);
        assertThat(out.toByteArray()).isEqualTo(all);
        assertThat(DeterministicBytes.sha256Hex(100_003)).isEqualTo(DeterministicBytes.sha256Hex(all));
        assertThat(DeterministicBytes.sha256Hex(0)).isEqualTo(Sha256.hex(new byte[0]));
    }

    @Test
    void bytesLookRandom() {
        byte[] b = DeterministicBytes.generate(65_536);
        int[] counts = new int[256];
        for (byte x : b) {
            counts[x & 0xFF]++;
        }
        // 256 expected per value; a broken generator (constant, counter) fails this by far.
        assertThat(Arrays.stream(counts).min().orElseThrow()).isGreaterThan(150);
        assertThat(Arrays.stream(counts).max().orElseThrow()).isLessThan(370);
    }

    @Test
    void sha256MatchesKnownVectorAndStreams() {
        assertThat(Sha256.hex("abc".getBytes(StandardCharsets.US_ASCII)))
                .isEqualTo("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
        Sha256 sha = new Sha256().update("a".getBytes(StandardCharsets.US_ASCII))
                .update("xbcx".getBytes(StandardCharsets.US_ASCII), 1, 2);
        assertThat(sha.length()).isEqualTo(3);
        assertThat(sha.hex()).isEqualTo(Sha256.hex("abc".getBytes(StandardCharsets.US_ASCII)));
        assertThat(sha.hex()).isEqualTo(sha.hex());
        assertThatThrownBy(() -> sha.update(new byte[1])).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void rejectsNegativeSizes() {
        assertThatThrownBy(() -> DeterministicBytes.generate(-1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> DeterministicBytes.byteAt(-1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> DeterministicBytes.fill(new byte[4], 2, 3, 0)).isInstanceOf(IndexOutOfBoundsException.class);
    }
}
