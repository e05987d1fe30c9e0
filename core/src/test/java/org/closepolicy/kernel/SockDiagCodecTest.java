package org.closepolicy.kernel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

/** Byte-exact sock_diag requests and the decoding of the kernel's answers (fixtures in little-endian host order). */
class SockDiagCodecTest {

    private static final TupleKey V4 = key("127.0.0.1", 8080, "127.0.0.2", 40000);
    private static final TupleKey V6 = key("2001:db8::1", 443, "2001:db8::2", 50000);

    static TupleKey key(String local, int localPort, String remote, int remotePort) {
        try {
            return TupleKey.of(new InetSocketAddress(InetAddress.getByName(local), localPort),
                    new InetSocketAddress(InetAddress.getByName(remote), remotePort));
        } catch (java.net.UnknownHostException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void ipv4RequestIsAnAfInetExactMatchWithNoCookie() {
        assertThat(SockDiagMessages.hex(SockDiagMessages.request(V4, 7), SockDiagCodec.REQUEST_LEN)).isEqualTo(
                "48000000" + "1400" + "0100" + "07000000" + "00000000" // nlmsghdr: len 72, type 20, NLM_F_REQUEST, seq 7
                + "02" + "06" + "00" + "00" + "ffffffff"                  // AF_INET, IPPROTO_TCP, no ext, pad, all states
                + "1f90" + "9c40"                                         // sport 8080, dport 40000 (network order)
                + "7f000001" + "000000000000000000000000"                 // src 127.0.0.1
                + "7f000002" + "000000000000000000000000"                 // dst 127.0.0.2
                + "00000000" + "ffffffffffffffff");                       // any interface, INET_DIAG_NOCOOKIE
    }

    @Test
    void ipv6RequestCarriesAllSixteenAddressBytes() {
        assertThat(SockDiagMessages.hex(SockDiagMessages.request(V6, 0x01020304), SockDiagCodec.REQUEST_LEN)).isEqualTo(
                "48000000" + "1400" + "0100" + "04030201" + "00000000"
                + "0a" + "06" + "00" + "00" + "ffffffff"
                + "01bb" + "c350"
                + "20010db8000000000000000000000001"
                + "20010db8000000000000000000000002"
                + "00000000" + "ffffffffffffffff");
    }

    @Test
    void ipv4MappedAddressesAreAskedAsIpv4() {
        TupleKey mapped = key("::ffff:10.1.2.3", 80, "::ffff:10.1.2.4", 1234);
        ByteBuffer r = SockDiagMessages.request(mapped, 1);
        assertThat(r.get(16)).isEqualTo((byte) SockDiagCodec.AF_INET);
        assertThat(SockDiagMessages.hex(r, SockDiagCodec.REQUEST_LEN).substring(56, 64)).isEqualTo("0a010203");
    }

    @Test
    void establishedAnswerGivesTheUnsignedWriteQueue() throws IOException {
        ByteBuffer a = SockDiagMessages.fromHex(
                "58000000" + "1400" + "0000" + "07000000" + "00000000"
                + "02" + "01" + "00" + "00"                                // AF_INET, ESTABLISHED
                + "1f90" + "9c40"
                + "7f000001000000000000000000000000"
                + "7f000002000000000000000000000000"
                + "00000000" + "0100000002000000"                          // if, cookie
                + "00000000" + "00000000" + "ffffff80"                     // expires, rqueue, wqueue 0x80ffffff
                + "e8030000" + "40e20100");                                // uid 1000, inode
        assertThat(SockDiagCodec.messageLength(a, 0, a.capacity())).isEqualTo(88);
        assertThat(SockDiagCodec.sequence(a, 0)).isEqualTo(7);
        assertThat(SockDiagCodec.decodeAnswer(a, 0, 88, V4)).isEqualTo(0x80ffffffL);
    }

    @Test
    void anEmptySendQueueWithUnreadBytesInTheReceiveQueueIsNoAcknowledgementProof() throws IOException {
        // idiag_rqueue of a connection is rcv_nxt - copied_seq: bytes received and not yet read by the application.
        String head = "58000000" + "1400" + "0000" + "07000000" + "00000000"
                + "02" + "01" + "00" + "00"
                + "1f90" + "9c40"
                + "7f000001000000000000000000000000"
                + "7f000002000000000000000000000000"
                + "00000000" + "0100000002000000"
                + "00000000";
        String tail = "e8030000" + "40e20100";
        ByteBuffer unread = SockDiagMessages.fromHex(head + "4e000000" + "00000000" + tail); // rqueue 78, wqueue 0
        ByteBuffer both = SockDiagMessages.fromHex(head + "4e000000" + "00100000" + tail);   // rqueue 78, wqueue 4096
        ByteBuffer quiet = SockDiagMessages.fromHex(head + "00000000" + "00000000" + tail);  // both 0
        assertThat(SockDiagCodec.decodeAnswer(unread, 0, 88, V4)).isEqualTo(SockDiagCodec.UNREAD_INPUT);
        assertThat(SockDiagCodec.decodeAnswer(both, 0, 88, V4)).isEqualTo(4096);
        assertThat(SockDiagCodec.decodeAnswer(quiet, 0, 88, V4)).isZero();
    }

    @Test
    void dualStackAnswerWithMappedAddressesMatchesTheIpv4Key() throws IOException {
        ByteBuffer a = SockDiagMessages.fromHex(
                "58000000" + "1400" + "0000" + "07000000" + "00000000"
                + "0a" + "01" + "00" + "00"                                // AF_INET6 socket, ESTABLISHED
                + "1f90" + "9c40"
                + "00000000000000000000ffff7f000001"
                + "00000000000000000000ffff7f000002"
                + "00000000" + "0100000002000000"
                + "00000000" + "00000000" + "00100000"                     // wqueue 4096
                + "e8030000" + "40e20100");
        assertThat(SockDiagCodec.decodeAnswer(a, 0, 88, V4)).isEqualTo(4096);
    }

    @Test
    void listenerAnswerForAMissingConnectionIsAbsent() throws IOException {
        // inet_lookup falls back to the listener of the local port; its wqueue is the backlog, never a send queue.
        ByteBuffer r = SockDiagMessages.request(V4, 3);
        ByteBuffer listener = SockDiagMessages.answer(r, SockDiagCodec.AF_INET, SockDiagCodec.TCP_LISTEN, 4096);
        listener.put(22, (byte) 0).put(23, (byte) 0); // a listener has no peer port
        assertThat(SockDiagCodec.decodeAnswer(listener, 0, listener.capacity(), V4)).isEqualTo(SockDiagCodec.ABSENT);
    }

    @Test
    void answerForAnotherTupleIsAbsent() throws IOException {
        ByteBuffer r = SockDiagMessages.request(V4, 3);
        ByteBuffer other = SockDiagMessages.answer(r, SockDiagCodec.AF_INET, SockDiagMessages.ESTABLISHED, 0);
        other.put(24 + 3, (byte) 9); // src 127.0.0.9
        assertThat(SockDiagCodec.decodeAnswer(other, 0, other.capacity(), V4)).isEqualTo(SockDiagCodec.ABSENT);
    }

    @Test
    void enoentIsAbsentAndAnyOtherErrorFails() throws IOException {
        ByteBuffer r = SockDiagMessages.request(V4, 3);
        ByteBuffer enoent = SockDiagMessages.error(r, SockDiagCodec.ENOENT);
        assertThat(SockDiagCodec.decodeAnswer(enoent, 0, enoent.capacity(), V4)).isEqualTo(SockDiagCodec.ABSENT);
        ByteBuffer eperm = SockDiagMessages.error(r, 1);
        assertThatThrownBy(() -> SockDiagCodec.decodeAnswer(eperm, 0, eperm.capacity(), V4))
                .isInstanceOf(IOException.class).hasMessageContaining("errno 1");
    }

    @Test
    void truncatedOrUnexpectedAnswersFail() {
        ByteBuffer r = SockDiagMessages.request(V4, 3);
        ByteBuffer a = SockDiagMessages.answer(r, SockDiagCodec.AF_INET, SockDiagMessages.ESTABLISHED, 0);
        assertThatThrownBy(() -> SockDiagCodec.decodeAnswer(a, 0, 87, V4))
                .isInstanceOf(IOException.class).hasMessageContaining("truncated");
        assertThatThrownBy(() -> SockDiagCodec.messageLength(a, 0, 15))
                .isInstanceOf(IOException.class).hasMessageContaining("truncated");
        assertThatThrownBy(() -> SockDiagCodec.messageLength(a, 0, 64))
                .isInstanceOf(IOException.class).hasMessageContaining("length");
        ByteBuffer done = SockDiagMessages.buffer(20).putInt(0, 20).putShort(4, (short) 3);
        assertThatThrownBy(() -> SockDiagCodec.decodeAnswer(done, 0, 20, V4))
                .isInstanceOf(IOException.class).hasMessageContaining("type 3");
        ByteBuffer shortError = SockDiagMessages.buffer(16).putInt(0, 16).putShort(4, (short) 2);
        assertThatThrownBy(() -> SockDiagCodec.decodeAnswer(shortError, 0, 16, V4))
                .isInstanceOf(IOException.class).hasMessageContaining("truncated");
    }
}
