package org.closepolicy.kernel;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.ByteOrder;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;

class TcpTablePropertyTest {

    @Property(tries = 200)
    void everyRowWrittenByTheKernelFormatReadsBack(@ForAll("addresses") InetSocketAddress local,
                                                    @ForAll("addresses") InetSocketAddress remote,
                                                    @ForAll("states") TcpState state,
                                                    @ForAll @LongRange(min = 0, max = 0xFFFF_FFFFL) long tx,
                                                    @ForAll @LongRange(min = 0, max = 0xFFFF_FFFFL) long rx,
                                                    @ForAll @IntRange(min = 0, max = 65534) int uid) {
        boolean v6 = !(ProcNetText.isV4(local) && ProcNetText.isV4(remote));
        String text = ProcNetText.row(3, local, remote, state, tx, rx, uid, 4242, v6);

        TcpSnapshot s = v6 ? TcpTable.parse(null, ProcNetText.HEADER6 + text, ByteOrder.LITTLE_ENDIAN)
                : TcpTable.parse(ProcNetText.HEADER4 + text, null, ByteOrder.LITTLE_ENDIAN);

        assertThat(s.malformedLines()).isZero();
        assertThat(s.entries()).containsExactly(new TcpEntry(local, remote, state, tx, rx, uid, 4242));
        assertThat(s.txQueue(local, remote)).hasValue(tx);
        assertThat(s.rxQueue(local, remote)).hasValue(rx);
    }

    @Provide
    Arbitrary<TcpState> states() {
        return Arbitraries.of(TcpState.class);
    }

    @Provide
    Arbitrary<InetSocketAddress> addresses() {
        Arbitrary<byte[]> v4 = Arbitraries.bytes().array(byte[].class).ofSize(4);
        Arbitrary<byte[]> v6 = Arbitraries.bytes().array(byte[].class).ofSize(16);
        Arbitrary<Integer> ports = Arbitraries.integers().between(0, 65535);
        return Combinators.combine(Arbitraries.oneOf(v4, v6), ports).as((bytes, port) -> {
            try {
                return new InetSocketAddress(InetAddress.getByAddress(bytes), port);
            } catch (UnknownHostException e) {
                throw new AssertionError(e);
            }
        });
    }
}
