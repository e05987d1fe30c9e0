package org.closepolicy.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.closepolicy.kernel.KernelSettings;
import org.closepolicy.kernel.TcpSnapshot;
import org.closepolicy.kernel.TcpTable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code diagnose}: the real command's JSON, and its conclusions on made-up tables. */
class DiagnoseExplainsTheKernelViewTest {

    private static final String HEADER = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt"
            + "   uid  timeout inode\n";

    @TempDir
    Path sys;

    @Test
    @SuppressWarnings("unchecked")
    void jsonOutputParses() {
        CliRun run = CliRun.of("diagnose", "--json");

        assertThat(run.exitCode()).isZero();
        Map<String, Object> doc = (Map<String, Object>) Json.parse(run.out());
        if (Boolean.TRUE.equals(doc.get("supported"))) {
            assertThat(doc).containsKeys("states", "timeWaitByLocalPort", "ephemeralPorts", "sysctls", "advice");
            assertThat((List<String>) doc.get("advice")).anyMatch(a -> a.contains("tcp_fin_timeout does NOT shorten TIME_WAIT"));
        } else {
            assertThat(doc).containsKey("message");
        }
    }

    @Test
    void textOutputWithAPortFilter() {
        CliRun run = CliRun.of("diagnose", "--port", "8080");

        assertThat(run.exitCode()).isZero();
        assertThat(run.out()).containsAnyOf("TCP sockets with local or remote port 8080", "has none");
    }

    @Test
    void aBusyServerPortIsBlamedOnTheServerAndClientFirstIsAdvised() throws IOException {
        StringBuilder t = new StringBuilder(HEADER);
        int sl = 0;
        t.append(row(sl++, "127.0.0.1", 8080, "0.0.0.0", 0, 0x0A));
        for (int i = 0; i < 1500; i++) {
            t.append(row(sl++, "127.0.0.1", 8080, "10.0.0." + (1 + i % 200), 40000 + i, 0x06));
        }
        for (int i = 0; i < 30; i++) {
            t.append(row(sl++, "10.1.1.1", 33000 + i, "10.2.2.2", 5432, 0x06));
        }
        t.append(row(sl, "127.0.0.1", 8080, "10.0.0.9", 51000, 0x01));

        Diagnosis d = new Diagnosis(TcpTable.parse(t.toString(), null), settings("32768\t60999", 2, 60, 262144), null);

        assertThat(d.timeWait).isEqualTo(1530);
        assertThat(d.serverTimeWait).isEqualTo(1500);
        assertThat(d.clientTimeWait).isEqualTo(30);
        assertThat(d.topLocalPorts.get(0)).isEqualTo(new Diagnosis.PortCount(8080, 1500, Diagnosis.Holder.SERVER));
        assertThat(d.topDestinations).containsExactly(new Diagnosis.Destination(5432, 30, 30));
        assertThat(d.advice).anyMatch(a -> a.contains("server on port 8080 closes connections first"))
                .anyMatch(a -> a.contains("'client-first'") && a.contains("'safe-reset'"))
                .anyMatch(a -> a.contains("tcp_tw_reuse only affects new outgoing connections"))
                .anyMatch(a -> a.contains("SO_LINGER 0"));
    }

    @Test
    void timeWaitTowardsOnePeerNamesTheProxyFix() throws IOException {
        StringBuilder t = new StringBuilder(HEADER);
        int sl = 0;
        t.append(row(sl++, "0.0.0.0", 8080, "0.0.0.0", 0, 0x0A));
        for (int i = 0; i < 1200; i++) {
            t.append(row(sl++, "10.0.1.2", 8080, "10.0.0.5", 32768 + i, 0x06)); // nginx's default proxy_pass
        }
        for (int i = 0; i < 40; i++) {
            t.append(row(sl++, "10.0.1.2", 8080, "192.0.2." + (1 + i), 50000 + i, 0x06)); // a few direct clients
        }

        Diagnosis d = new Diagnosis(TcpTable.parse(t.toString(), null), settings("32768 60999", 2, 60, 262144), null);

        assertThat(d.proxyInFront).isTrue();
        assertThat(d.topServerPeers.get(0)).isEqualTo(new Diagnosis.Peer("10.0.0.5", 1200));
        assertThat(d.advice).anyMatch(a -> a.contains("1,200 of the server's 1,240 TIME_WAIT (97 %) are towards one peer address (10.0.0.5)"))
                .anyMatch(a -> a.contains("proxy_http_version 1.1") && a.contains("proxy_set_header Connection \"\"")
                        && a.contains("keepalive 32") && a.contains("option http-keep-alive") && a.contains("Envoy"))
                .anyMatch(a -> a.contains("rule.proxy.when.cidr=10.0.0.5/32, rule.proxy.close.http10-first=client"));
        assertThat(d.toJson()).containsEntry("proxyInFront", true);
    }

    @Test
    void timeWaitSpreadOverManyPeersIsNoProxy() throws IOException {
        StringBuilder t = new StringBuilder(HEADER);
        int sl = 0;
        t.append(row(sl++, "0.0.0.0", 8080, "0.0.0.0", 0, 0x0A));
        for (int i = 0; i < 1200; i++) {
            t.append(row(sl++, "10.0.1.2", 8080, "10.0.2." + (i % 50), 32768 + i, 0x06));
        }
        Diagnosis d = new Diagnosis(TcpTable.parse(t.toString(), null), settings("32768 60999", 2, 60, 262144), null);
        assertThat(d.proxyInFront).isFalse();
        assertThat(d.advice).noneMatch(a -> a.contains("proxy_http_version"));
    }

    @Test
    void aFewHundredTimeWaitAreNoProxyYet() throws IOException {
        StringBuilder t = new StringBuilder(HEADER);
        t.append(row(0, "0.0.0.0", 8080, "0.0.0.0", 0, 0x0A));
        for (int i = 0; i < 150; i++) {
            t.append(row(i + 1, "10.0.1.2", 8080, "10.0.0.5", 32768 + i, 0x06));
        }
        Diagnosis d = new Diagnosis(TcpTable.parse(t.toString(), null), settings("32768 60999", 2, 60, 262144), null);
        assertThat(d.proxyInFront).isFalse();
    }

    @Test
    void aQuietHostIsNormal() throws IOException {
        String t = HEADER + row(0, "127.0.0.1", 8080, "0.0.0.0", 0, 0x0A) + row(1, "127.0.0.1", 8080, "127.0.0.1", 45000, 0x06);

        Diagnosis d = new Diagnosis(TcpTable.parse(t, null), settings("32768 60999", 2, 60, 262144), 8080);

        assertThat(d.advice.get(0)).startsWith("1 TIME_WAIT: normal");
        assertThat(d.advice).noneMatch(a -> a.contains("closes connections first"));
    }

    @Test
    void clientsNearlyOutOfPortsTowardsOnePeerAreWarned() throws IOException {
        StringBuilder t = new StringBuilder(HEADER);
        for (int i = 0; i < 600; i++) {
            t.append(row(i, "10.1.1.1", 61000 + i, "10.2.2.2", 443, 0x06));
        }
        Diagnosis d = new Diagnosis(TcpTable.parse(t.toString(), null), settings("61000 61999", 1, 30, 500), null);

        assertThat(d.topLocalPorts).allMatch(p -> p.holder() == Diagnosis.Holder.CLIENT);
        assertThat(d.advice).anyMatch(a -> a.contains("600 of 1,000 ephemeral ports towards one peer on port 443"))
                .anyMatch(a -> a.contains("tcp_max_tw_buckets 500"));
    }

    @Test
    void clientTimeWaitTowardsSeveralServersIsOneHarmlessNote() throws IOException {
        StringBuilder t = new StringBuilder(HEADER);
        int sl = 0;
        for (int server : new int[] {5432, 6379}) {
            for (int i = 0; i < 1200; i++) {
                t.append(row(sl++, "10.1.1.1", 33000 + i, "10.2.2.2", server, 0x06));
            }
        }
        Diagnosis d = new Diagnosis(TcpTable.parse(t.toString(), null), settings("32768 60999", 2, 60, 262144), null);

        assertThat(d.clientTimeWait).isEqualTo(2400);
        assertThat(d.advice).filteredOn(a -> a.startsWith("Clients on this host")).containsExactly(
                "Clients on this host keep TIME_WAIT (1,200 towards port 5432, 1,200 towards port 6379): harmless while the "
                        + "28,232 ephemeral ports per peer are far from used up.");
    }

    @Test
    void unsupportedSnapshotHasNoTable() {
        TcpSnapshot s = TcpSnapshot.unsupported("test");
        assertThat(s.supported()).isFalse();
        assertThat(new Diagnosis(s, settings(), null).timeWait).isZero();
    }

    private KernelSettings settings(String range, int twReuse, int finTimeout, int buckets) throws IOException {
        Path ipv4 = Files.createDirectories(sys.resolve("ipv4"));
        Files.writeString(ipv4.resolve("ip_local_port_range"), range + "\n");
        Files.writeString(ipv4.resolve("tcp_tw_reuse"), twReuse + "\n");
        Files.writeString(ipv4.resolve("tcp_fin_timeout"), finTimeout + "\n");
        Files.writeString(ipv4.resolve("tcp_max_tw_buckets"), buckets + "\n");
        return KernelSettings.read(sys);
    }

    private KernelSettings settings() {
        return KernelSettings.read(sys.resolve("absent"));
    }

    private static String row(int sl, String local, int lport, String remote, int rport, int state) {
        return String.format(Locale.ROOT, "%4d: %s:%04X %s:%04X %02X 00000000:00000000 00:00000000 00000000 1000 0 %d 1 "
                + "0000000000000000 20 4 30 10 -1\n", sl, hex(local), lport, hex(remote), rport, state, 1000 + sl);
    }

    /** An IPv4 address as a little-endian kernel prints it. */
    private static String hex(String ip) {
        byte[] b = new InetSocketAddress(ip, 0).getAddress().getAddress();
        return String.format(Locale.ROOT, "%02X%02X%02X%02X", b[3], b[2], b[1], b[0]);
    }
}
