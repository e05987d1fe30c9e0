package org.closepolicy.kernel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.ByteBuffer;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

/** Round trips between encoded requests and kernel-shaped answers, for any 4-tuple, queue and sequence. */
class SockDiagCodecProperties {

    @Provide
    Arbitrary<TupleKey> keys() {
        Arbitrary<long[]> v4 = Arbitraries.integers().map(a -> new long[] {0L, TupleKey.MAPPED_PREFIX | (a & 0xFFFF_FFFFL)});
        Arbitrary<long[]> v6 = Combinators.combine(Arbitraries.longs(), Arbitraries.longs())
                .as((hi, lo) -> new long[] {hi | 1L << 62, lo}); // never the ::ffff:0:0/96 prefix
        Arbitrary<Integer> ports = Arbitraries.integers().between(1, 65535);
        return Arbitraries.oneOf(
                Combinators.combine(v4, v4, ports, ports).as((l, r, lp, rp) -> new TupleKey(l[0], l[1], lp, r[0], r[1], rp)),
                Combinators.combine(v6, v6, ports, ports).as((l, r, lp, rp) -> new TupleKey(l[0], l[1], lp, r[0], r[1], rp)));
    }

    @Property
    void anEstablishedAnswerToTheRequestGivesItsQueue(@ForAll("keys") TupleKey key, @ForAll int seq,
                                                      @ForAll("queues") long wqueue) throws IOException {
        ByteBuffer req = SockDiagMessages.request(key, seq);
        ByteBuffer ans = SockDiagMessages.answer(req, req.get(16), SockDiagMessages.ESTABLISHED, wqueue);
        int len = SockDiagCodec.messageLength(ans, 0, ans.capacity());
        assertThat(SockDiagCodec.sequence(ans, 0)).isEqualTo(seq);
        assertThat(SockDiagCodec.decodeAnswer(ans, 0, len, key)).isEqualTo(wqueue);
    }

    @Property
    void anAnswerForAnyOtherPortIsAbsent(@ForAll("keys") TupleKey key, @ForAll @IntRange(min = 0, max = 3) int portByte,
                                         @ForAll @IntRange(min = 1, max = 255) int flip) throws IOException {
        ByteBuffer req = SockDiagMessages.request(key, 1);
        ByteBuffer ans = SockDiagMessages.answer(req, req.get(16), SockDiagMessages.ESTABLISHED, 0);
        ans.put(20 + portByte, (byte) (ans.get(20 + portByte) ^ flip));
        assertThat(SockDiagCodec.decodeAnswer(ans, 0, ans.capacity(), key)).isEqualTo(SockDiagCodec.ABSENT);
    }

    @Property
    void anAnswerForAnyOtherAddressIsAbsent(@ForAll("keys") TupleKey key, @ForAll @IntRange(min = 0, max = 31) int addrByte,
                                            @ForAll @IntRange(min = 1, max = 255) int flip) throws IOException {
        ByteBuffer req = SockDiagMessages.request(key, 1);
        boolean v4 = req.get(16) == SockDiagCodec.AF_INET;
        int at = v4 ? 24 + (addrByte / 16) * 16 + addrByte % 4 : 24 + addrByte;
        ByteBuffer ans = SockDiagMessages.answer(req, req.get(16), SockDiagMessages.ESTABLISHED, 0);
        ans.put(at, (byte) (ans.get(at) ^ flip));
        assertThat(SockDiagCodec.decodeAnswer(ans, 0, ans.capacity(), key)).isEqualTo(SockDiagCodec.ABSENT);
    }

    @Property
    void aTruncatedAnswerNeverYieldsAQueue(@ForAll("keys") TupleKey key, @ForAll @IntRange(min = 0, max = 87) int len) {
        ByteBuffer req = SockDiagMessages.request(key, 1);
        ByteBuffer ans = SockDiagMessages.answer(req, req.get(16), SockDiagMessages.ESTABLISHED, 0);
        ans.putInt(0, len);
        assertThatThrownBy(() -> {
            int checked = SockDiagCodec.messageLength(ans, 0, len);
            SockDiagCodec.decodeAnswer(ans, 0, checked, key);
        }).isInstanceOf(IOException.class);
    }

    @Provide
    Arbitrary<Long> queues() {
        return Arbitraries.longs().between(0, 0xFFFF_FFFFL);
    }
}
