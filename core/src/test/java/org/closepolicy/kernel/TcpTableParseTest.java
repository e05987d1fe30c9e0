package org.closepolicy.kernel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TcpTableParseTest {

    /** Captured from a Linux 6.x x86-64 host, plus hand-made rows for other addresses and a TIME_WAIT row. */
    static final String TCP4 = ""
            + "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode                                                     \n"
            + "   0: 00000000:07E8 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1216 1 0000000041a4bc61 100 0 0 10 0                      \n"
            + "   1: 0100007F:E5DF 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 3064 1 000000001748e76e 100 0 0 10 0                      \n"
            + "   2: 0100007F:B5C4 0100007F:E187 01 00000000:00000000 00:00000000 00000000     0        0 3059 2 00000000b0277274 20 0 0 10 -1                      \n"
            + "   3: 0100007F:E5DF 0100007F:9C8C 01 00000000:0000000A 00:00000000 00000000     0        0 3066 1 000000009308cfc2 20 4 30 10 -1                     \n"
            + "   4: 0100007F:9C8C 0100007F:E5DF 01 00000000:00000000 00:00000000 00000000     0        0 3065 2 00000000431ce43b 20 0 0 11 -1                      \n"
            + "   5: 1401A8C0:01BB 0500000A:D431 06 00000000:00000000 03:00000F3A 00000000     0        0 0 3 0000000000000000\n"
            + "   6: 1401A8C0:01BB 0600000A:C001 01 00001F40:00000000 01:00000014 00000000  1000        0 52731 1 0000000000000000 20 4 28 10 7\n"
            + "   7: 1401A8C0:01BB 0700000A:C002 06 00000000:00000000 03:00000F3A 00000000     0        0 0 3 0000000000000000\n";

    /** Captured: listeners on :: and ::1, ::1 pairs, an IPv4 client of a dual-stack listener, TIME_WAIT rows. */
    static final String TCP6 = ""
            + "  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n"
            + "   0: 00000000000000000000000000000000:B9CF 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 4137 1 00000000084d697d 100 0 0 10 0\n"
            + "   1: 00000000000000000000000001000000:C0EF 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 4140 1 0000000040828110 100 0 0 10 0\n"
            + "   2: 0000000000000000FFFF00000100007F:B9CF 0000000000000000FFFF00000100007F:98D6 06 00000000:00000000 03:0000176F 00000000     0        0 0 3 00000000fa0eacb4\n"
            + "   3: 00000000000000000000000001000000:C0EF 00000000000000000000000001000000:D84E 01 00000000:00007FDC 00:00000000 00000000     0        0 4144 1 00000000e7f84e7b 20 4 0 10 -1\n"
            + "   4: 00000000000000000000000001000000:D840 00000000000000000000000001000000:C0EF 06 00000000:00000000 03:0000176F 00000000     0        0 0 3 000000009fdb59e4\n"
            + "   5: 00000000000000000000000001000000:D84E 00000000000000000000000001000000:C0EF 01 003AEF68:00000000 01:00000013 00000000     0        0 4143 2 00000000078b3068 20 0 0 11 -1\n"
            + "   6: 0000000000000000FFFF00000100007F:E187 0000000000000000FFFF00000100007F:B5C4 01 00000000:00000000 00:00000000 00000000     0        0 3060 1 000000005a7e7995 20 0 0 10 -1\n"
            + "   7: B80D0120000000000000000001000000:1F90 B80D0120000000000000000002000000:DEAD 01 00000400:00000010 00:00000000 00000000  1000        0 777 1 0000000000000000 20 4 30 10 -1\n";

    static TcpSnapshot sample() {
        return TcpTable.parse(TCP4, TCP6, ByteOrder.LITTLE_ENDIAN);
    }

    static InetSocketAddress addr(String ip, int port) throws IOException {
        return new InetSocketAddress(InetAddress.getByName(ip), port);
    }

    @Test
    void parsesIpv4RowsIncludingTimeWaitRowsWithFewerColumns() throws IOException {
        TcpSnapshot s = TcpTable.parse(TCP4, null, ByteOrder.LITTLE_ENDIAN);

        assertThat(s.supported()).isTrue();
        assertThat(s.reason()).isEmpty();
        assertThat(s.malformedLines()).isZero();
        assertThat(s.size()).isEqualTo(8);
        assertThat(s.entries().get(0)).isEqualTo(new TcpEntry(addr("0.0.0.0", 2024), addr("0.0.0.0", 0),
                TcpState.LISTEN, 0, 0, 0, 1216));
        assertThat(s.entries().get(3)).isEqualTo(new TcpEntry(addr("127.0.0.1", 0xE5DF), addr("127.0.0.1", 0x9C8C),
                TcpState.ESTABLISHED, 0, 10, 0, 3066));
        assertThat(s.entries().get(5)).isEqualTo(new TcpEntry(addr("192.168.1.20", 443), addr("10.0.0.5", 0xD431),
                TcpState.TIME_WAIT, 0, 0, 0, 0));
        assertThat(s.entries().get(6)).isEqualTo(new TcpEntry(addr("192.168.1.20", 443), addr("10.0.0.6", 0xC001),
                TcpState.ESTABLISHED, 8000, 0, 1000, 52731));
    }

    @Test
    void parsesIpv6RowsAndNormalisesIpv4MappedAddresses() throws IOException {
        TcpSnapshot s = TcpTable.parse(null, TCP6, ByteOrder.LITTLE_ENDIAN);

        assertThat(s.size()).isEqualTo(8);
        assertThat(s.malformedLines()).isZero();
        assertThat(s.entries().get(0).local()).isEqualTo(addr("::", 0xB9CF));
        assertThat(s.entries().get(1).local()).isEqualTo(addr("::1", 0xC0EF));
        TcpEntry mapped = s.entries().get(2);
        assertThat(mapped.local().getAddress()).isInstanceOf(java.net.Inet4Address.class);
        assertThat(mapped.local()).isEqualTo(addr("127.0.0.1", 0xB9CF));
        assertThat(mapped.remote()).isEqualTo(addr("127.0.0.1", 0x98D6));
        assertThat(mapped.state()).isEqualTo(TcpState.TIME_WAIT);
        assertThat(s.entries().get(5)).isEqualTo(new TcpEntry(addr("::1", 0xD84E), addr("::1", 0xC0EF),
                TcpState.ESTABLISHED, 0x3AEF68, 0, 0, 4143));
        assertThat(s.entries().get(7)).isEqualTo(new TcpEntry(addr("2001:db8::1", 8080), addr("2001:db8::2", 0xDEAD),
                TcpState.ESTABLISHED, 1024, 16, 1000, 777));
    }

    @Test
    void looksUpQueuesByFourTupleAcrossFamilies() throws IOException {
        TcpSnapshot s = sample();

        // IPv4 socket address finds the IPv4-mapped row of tcp6.
        assertThat(s.txQueue(addr("127.0.0.1", 0xE187), addr("127.0.0.1", 0xB5C4))).hasValue(0);
        assertThat(s.rxQueue(addr("::1", 0xC0EF), addr("::1", 0xD84E))).hasValue(0x7FDC);
        assertThat(s.txQueue(addr("::1", 0xD84E), addr("::1", 0xC0EF))).hasValue(0x3AEF68);
        assertThat(s.txQueue(addr("192.168.1.20", 443), addr("10.0.0.6", 0xC001))).hasValue(8000);
        // Unresolved literal addresses are compared by their bytes.
        assertThat(s.txQueue(InetSocketAddress.createUnresolved("2001:db8::1", 8080),
                InetSocketAddress.createUnresolved("2001:db8:0:0::2", 0xDEAD))).hasValue(1024);
        // Direction matters; wrong ports or addresses miss.
        assertThat(s.txQueue(addr("10.0.0.6", 0xC001), addr("192.168.1.20", 443))).isEmpty();
        assertThat(s.txQueue(addr("127.0.0.2", 0xE187), addr("127.0.0.1", 0xB5C4))).isEmpty();
        assertThat(s.rxQueue(addr("::1", 0xC0EF), addr("::1", 0xD84F))).isEmpty();
        assertThat(s.txQueue(InetSocketAddress.createUnresolved("localhost", 0xE187), addr("127.0.0.1", 0xB5C4)))
                .isEmpty();
        assertThat(s.entry(addr("192.168.1.20", 443), addr("10.0.0.5", 0xD431)))
                .hasValueSatisfying(e -> assertThat(e.state()).isEqualTo(TcpState.TIME_WAIT));
    }

    @Test
    void liveRowWinsOverTimeWaitRowOfTheSameTuple() throws IOException {
        InetSocketAddress l = addr("127.0.0.1", 8080);
        InetSocketAddress r = addr("127.0.0.1", 40000);
        String text = ProcNetText.HEADER4
                + ProcNetText.row(0, l, r, TcpState.TIME_WAIT, 0, 0, 0, 0, false)
                + ProcNetText.row(1, l, r, TcpState.ESTABLISHED, 77, 0, 0, 9, false);

        assertThat(TcpTable.parse(text, "", ByteOrder.LITTLE_ENDIAN).txQueue(l, r)).hasValue(77);
    }

    @Test
    void countsStatesAndPorts() {
        TcpSnapshot s = sample();

        assertThat(s.size()).isEqualTo(16);
        assertThat(s.count(TcpState.LISTEN)).isEqualTo(4);
        assertThat(s.count(TcpState.TIME_WAIT)).isEqualTo(4);
        assertThat(s.count(TcpState.ESTABLISHED)).isEqualTo(8);
        assertThat(s.count(TcpState.CLOSE_WAIT)).isZero();
        Map<TcpState, Integer> byState = s.countsByState();
        assertThat(byState).hasSize(TcpState.values().length).containsEntry(TcpState.TIME_WAIT, 4)
                .containsEntry(TcpState.SYN_SENT, 0);
        assertThat(byState.values().stream().mapToInt(Integer::intValue).sum()).isEqualTo(s.size());

        assertThat(s.countLocalPort(TcpState.TIME_WAIT, 443)).isEqualTo(2);
        assertThat(s.countLocalPort(TcpState.TIME_WAIT, 0xB9CF)).isEqualTo(1);
        assertThat(s.countLocalPort(TcpState.ESTABLISHED, 443)).isEqualTo(1);
        assertThat(s.countRemotePort(TcpState.TIME_WAIT, 0xC0EF)).isEqualTo(1);
        assertThat(s.countRemotePort(TcpState.TIME_WAIT, 443)).isZero();

        assertThat(s.topLocalPorts(TcpState.TIME_WAIT, 10)).containsExactly(
                new PortCount(443, 2), new PortCount(0xB9CF, 1), new PortCount(0xD840, 1));
        assertThat(s.topLocalPorts(TcpState.TIME_WAIT, 1)).containsExactly(new PortCount(443, 2));
        // Eight established rows, each with its own remote port: ties go to the lower port.
        assertThat(s.topRemotePorts(TcpState.ESTABLISHED, 2)).containsExactly(
                new PortCount(0x9C8C, 1), new PortCount(0xB5C4, 1));
        assertThat(s.topRemotePorts(TcpState.LISTEN, 5)).containsExactly(new PortCount(0, 4));
        assertThat(s.topLocalPorts(TcpState.CLOSING, 5)).isEmpty();
        assertThat(s.topLocalPorts(TcpState.TIME_WAIT, 0)).isEmpty();
        assertThatThrownBy(() -> s.topLocalPorts(TcpState.TIME_WAIT, -1)).isInstanceOf(IllegalArgumentException.class);
        assertThat(s.toString()).contains("rows=16", "TIME_WAIT=4");
    }

    @Test
    void skipsAndCountsMalformedLines() {
        String text = ProcNetText.HEADER4
                + "   0: 0100007F:1F90 0100007F:C350 01 00000000:00000000 00:00000000 00000000     0        0 11 1\n"
                + "   1: 0100007F:1F90 0100007F\n" // truncated inside the remote address
                + "this is not a row\n"
                + "   2: 0100007G:1F90 0100007F:C350 01 00000000:00000000 00:00000000 00000000     0        0 12 1\n"
                + "   3: 0100007F:1F90 0100007F:C350 0F 00000000:00000000 00:00000000 00000000     0        0 13 1\n"
                + "   4: 0100007F0000:1F90 0100007F0000:C350 01 00000000:00000000 00:00000000 00000000 0 0 14 1\n"
                + "   5: 0100007F:1F90 0100007F:C350 01 00000000:00000000 00:00000000 00000000     0        0\n"
                + "   6: 0100007F:1F90 0100007F:C350 01 00000000 00:00000000 00000000     0        0 16 1\n"
                + "   7: 0100007F:1F90 00000000000000000000000001000000:C350 01 0:0 00:0 0 0 0 17 1\n"
                + "   8: 0100007F:11F90 0100007F:C350 01 00000000:00000000 00:00000000 00000000     0        0 18 1\n"
                + "\n"
                + "   9: 0100007F:1F90 0100007F:C351 01 00000000:00000000 00:00000000 00000000     0        0 19 1\r\n"
                + "  10: 0100007F:1F90 0100007F:C352 01 00000000:00000000 00:00000000 00000000     0        0 20"; // no newline

        TcpSnapshot s = TcpTable.parse(text, null, ByteOrder.LITTLE_ENDIAN);

        assertThat(s.malformedLines()).isEqualTo(9);
        assertThat(s.entries()).extracting(TcpEntry::inode).containsExactly(11L, 19L, 20L);
    }

    @Test
    void emptyAndHeaderOnlyTablesAreSupportedAndEmpty() throws IOException {
        for (TcpSnapshot s : new TcpSnapshot[] {
                TcpTable.parse("", ""), TcpTable.parse(null, null),
                TcpTable.parse(ProcNetText.HEADER4, ProcNetText.HEADER6)}) {
            assertThat(s.supported()).isTrue();
            assertThat(s.size()).isZero();
            assertThat(s.malformedLines()).isZero();
            assertThat(s.entries()).isEmpty();
            assertThat(s.count(TcpState.TIME_WAIT)).isZero();
            assertThat(s.txQueue(addr("127.0.0.1", 1), addr("127.0.0.1", 2))).isEmpty();
            assertThat(s.topRemotePorts(TcpState.TIME_WAIT, 3)).isEmpty();
        }
    }

    @Test
    void readsTheKernelByteOrderOfTheHost() throws IOException {
        String row = "   0: 7F000001:0050 0A000005:C350 01 00000010:00000000 00:00000000 00000000     0        0 1 1\n";

        assertThat(TcpTable.parse(row, null, ByteOrder.BIG_ENDIAN).entries().get(0).local())
                .isEqualTo(addr("127.0.0.1", 80));
        assertThat(TcpTable.parse(row, null, ByteOrder.LITTLE_ENDIAN).entries().get(0).local())
                .isEqualTo(addr("1.0.0.127", 80));
    }

    @Test
    void unsupportedSnapshotAnswersEmpty() throws IOException {
        TcpSnapshot s = TcpSnapshot.unsupported("no /proc here");

        assertThat(s.supported()).isFalse();
        assertThat(s.reason()).isEqualTo("no /proc here");
        assertThat(s.size()).isZero();
        assertThat(s.countLocalPort(TcpState.TIME_WAIT, 80)).isZero();
        assertThat(s.txQueue(addr("127.0.0.1", 1), addr("127.0.0.1", 2))).isEqualTo(OptionalLong.empty());
        assertThat(s.toString()).contains("unsupported", "no /proc here");
    }

    @Test
    void readsFilesAndNeverThrowsOnMissingOnes(@TempDir Path dir) throws IOException {
        Path tcp4 = Files.writeString(dir.resolve("tcp"), TCP4, StandardCharsets.US_ASCII);
        Path tcp6 = Files.writeString(dir.resolve("tcp6"), TCP6, StandardCharsets.US_ASCII);
        Path missing = dir.resolve("nope");

        TcpSnapshot both = TcpTable.of(tcp4, tcp6).snapshot();
        assertThat(both.supported()).isTrue();
        assertThat(both.reason()).isEmpty();
        assertThat(both.size()).isEqualTo(TcpTable.parse(TCP4, TCP6).size());

        TcpSnapshot only4 = TcpTable.of(tcp4, missing).snapshot();
        assertThat(only4.supported()).isTrue();
        assertThat(only4.size()).isEqualTo(8);
        assertThat(only4.reason()).contains("nope");

        TcpSnapshot none = TcpTable.of(missing, dir).snapshot(); // a directory cannot be read as a file
        assertThat(none.supported()).isFalse();
        assertThat(none.reason()).contains("nope");
        assertThat(TcpTable.of(null, null).snapshot().supported()).isFalse();
    }

    @Test
    void readsFilesLargerThanTheInitialBuffer(@TempDir Path dir) throws IOException {
        String big = SyntheticTable.text(5_000, 42);
        Path tcp4 = Files.writeString(dir.resolve("tcp"), big, StandardCharsets.US_ASCII);

        TcpSnapshot s = TcpTable.of(tcp4, null).snapshot();

        assertThat(big.length()).isGreaterThan(256 * 1024);
        assertThat(s.size()).isEqualTo(5_000);
        assertThat(s.malformedLines()).isZero();
    }

    @Test
    void parsesALargeTableQuickly() {
        String text = SyntheticTable.text(20_000, 7);
        long best = Long.MAX_VALUE;
        TcpSnapshot s = null;
        for (int i = 0; i < 10; i++) {
            long t0 = System.nanoTime();
            s = TcpTable.parse(text, null);
            best = Math.min(best, System.nanoTime() - t0);
        }
        long t1 = System.nanoTime();
        int tw = s.countLocalPort(TcpState.TIME_WAIT, 8080);
        long countNanos = System.nanoTime() - t1;
        System.out.printf("parse of a 20,000-row table (%d KB): best of 10 = %.2f ms; countLocalPort = %.3f ms%n",
                text.length() / 1024, best / 1e6, countNanos / 1e6);

        assertThat(s.size()).isEqualTo(20_000);
        assertThat(s.malformedLines()).isZero();
        assertThat(tw).isEqualTo(SyntheticTable.expectedServerTimeWait(20_000));
    }
}
