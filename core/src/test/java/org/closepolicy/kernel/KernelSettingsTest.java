package org.closepolicy.kernel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KernelSettingsTest {

    private static void write(Path root, String rel, String text) throws IOException {
        Path p = root.resolve(rel);
        Files.createDirectories(p.getParent());
        Files.writeString(p, text);
    }

    @Test
    void readsEverySettingInProcFormat(@TempDir Path root) throws IOException {
        write(root, "ipv4/tcp_fin_timeout", "60\n");
        write(root, "ipv4/tcp_tw_reuse", "2\n");
        write(root, "ipv4/tcp_max_tw_buckets", "262144\n");
        write(root, "ipv4/ip_local_port_range", "32768\t60999\n");
        write(root, "core/somaxconn", "4096\n");
        write(root, "ipv4/tcp_max_syn_backlog", "512\n");

        KernelSettings k = KernelSettings.read(root);

        assertThat(k.supported()).isTrue();
        assertThat(k.tcpFinTimeout()).contains(Duration.ofSeconds(60));
        assertThat(k.tcpTwReuse()).hasValue(2);
        assertThat(k.tcpMaxTwBuckets()).hasValue(262144);
        assertThat(k.ipLocalPortRange()).contains(new PortRange(32768, 60999));
        assertThat(k.ipLocalPortRange().orElseThrow().size()).isEqualTo(28232);
        assertThat(k.somaxconn()).hasValue(4096);
        assertThat(k.tcpMaxSynBacklog()).hasValue(512);
        assertThat(k.toString()).contains("tcp_fin_timeout=60s", "tcp_tw_reuse=2", "ip_local_port_range=32768-60999 (28232 ports)",
                "somaxconn=4096");
    }

    @Test
    void missingOrGarbageValuesAreAbsent(@TempDir Path root) throws IOException {
        write(root, "ipv4/tcp_fin_timeout", "sixty\n");
        write(root, "ipv4/ip_local_port_range", "40000\n");
        write(root, "core/somaxconn", "128\n");

        KernelSettings k = KernelSettings.read(root);

        assertThat(k.supported()).isTrue();
        assertThat(k.tcpFinTimeout()).isEmpty();
        assertThat(k.tcpTwReuse()).isEmpty();
        assertThat(k.ipLocalPortRange()).isEmpty();
        assertThat(k.somaxconn()).hasValue(128);
        assertThat(k.toString()).contains("tcp_tw_reuse=n/a", "somaxconn=128");
    }

    @Test
    void invertedPortRangeIsAbsent(@TempDir Path root) throws IOException {
        write(root, "ipv4/ip_local_port_range", "60999 32768\n");

        assertThat(KernelSettings.read(root).ipLocalPortRange()).isEmpty();
    }

    @Test
    void nonexistentRootIsUnsupported(@TempDir Path root) {
        KernelSettings k = KernelSettings.read(root.resolve("absent"));

        assertThat(k.supported()).isFalse();
        assertThat(k.toString()).contains("n/a");
    }

    @Test
    void readsThisMachine() {
        assumeThat(Files.isDirectory(Paths.get("/proc/sys/net/ipv4"))).isTrue();

        KernelSettings k = KernelSettings.read();

        assertThat(k.supported()).isTrue();
        assertThat(k.ipLocalPortRange()).hasValueSatisfying(r -> assertThat(r.size()).isPositive());
        assertThat(k.tcpFinTimeout()).hasValueSatisfying(d -> assertThat(d).isPositive());
    }
}
