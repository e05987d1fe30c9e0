package org.closepolicy.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The delay line delays: a TCP connect from the namespace (SYN out, SYN-ACK back) takes at least the round trip of
 * 2 × 50 ms, and not much more; and {@link DelayLink#close()} leaves no namespace and no device behind.
 */
class DelayLinkAddsItsDelayTest {

    private static final Duration ONE_WAY = Duration.ofMillis(50);
    private static final int CONNECTS = 5;

    @Test
    void connectTakesOneDelayedRoundTripAndCloseLeavesNothing() throws Exception {
        DelayLink.assumeAvailable();
        String name;
        String hostDevice;
        Duration rtt;
        List<Long> micros = new ArrayList<>();
        try (DelayLink link = DelayLink.create(ONE_WAY);
             ServerSocket listener = new ServerSocket(0, CONNECTS * 2, link.namespace().hostAddress())) {
            NetNamespace ns = link.namespace();
            name = ns.name();
            hostDevice = ns.hostDevice();
            rtt = link.minimumRoundTrip();
            assertThat(Shell.run("ip", "-n", name, "link", "show", "dev", ns.peerDevice()).ok()).as("device in the namespace").isTrue();
            // The kernel completes the handshakes from the listen backlog; nothing needs to accept them.
            Process client = ns.startJava(NamespaceClient.class, List.of(ns.hostAddress().getHostAddress(),
                    new NamespaceClient.Job(listener.getLocalPort(), "CONNECT", "-", CONNECTS).arg()));
            try (BufferedReader out = new BufferedReader(new InputStreamReader(client.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = out.readLine()) != null; ) {
                    if (line.startsWith("CONNECT ")) {
                        micros.add(Long.parseLong(line.split(" ")[2]));
                    }
                }
            }
            assertThat(client.waitFor(30, TimeUnit.SECONDS)).as("client process ends").isTrue();
            assertThat(client.exitValue()).as("client exit code").isZero();
        }

        assertThat(micros).as("connect times (µs)").hasSize(CONNECTS);
        long rttMicros = rtt.toNanos() / 1_000;
        assertThat(micros).as("every connect waits for the delayed round trip").allSatisfy(m -> assertThat(m).isGreaterThanOrEqualTo(rttMicros));
        long median = micros.stream().sorted().toList().get(CONNECTS / 2);
        assertThat(median).as("median connect time (µs): the delay, plus little else").isLessThan(rttMicros + 50_000);
        System.out.printf("delay line %d ms each way: TCP connect times %s µs (median %d µs)%n", ONE_WAY.toMillis(), micros, median);

        assertThat(Shell.check("ip", "netns", "list")).as("namespace removed").doesNotContain(name);
        assertThat(Shell.run("ip", "link", "show", "dev", hostDevice).ok()).as("host device removed").isFalse();
    }
}
