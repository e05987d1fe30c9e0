package org.closepolicy.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import org.closepolicy.DrainReport;
import org.closepolicy.WhoClosed;

/**
 * What a drain must have done, the same on every adapter: busy keep-alive clients retired by announcement, or stuck
 * peers ended within the drain's timeout.
 * <pre>{@code
 * DrainReport report = adapter.drain(Duration.ofSeconds(10)).get(20, TimeUnit.SECONDS);
 * DrainChecks.assertRetiredByAnnouncement(report, clients.awaitEnd(Duration.ofSeconds(10)), 100);
 * }</pre>
 *
 * <p>Thread-safety: stateless; safe from any thread.
 */
public final class DrainChecks {

    private DrainChecks() {
    }

    /**
     * {@code n} keep-alive connections, each with requests in flight when the drain began: every client saw its
     * last response announce the close and lost nothing, the drain announced to all {@code n} and cut, found idle
     * or left open none, every client closed first, and the drain counted no server TIME_WAIT.
     */
    public static void assertRetiredByAnnouncement(DrainReport report, KeepAliveClients.Result clients, int n) {
        assertThat(clients.failed()).as("%s", clients).isZero();
        assertThat(clients.retiredByServer()).as("%s", clients).isEqualTo(n);
        assertThat(report.connectionsAtStart()).as("%s", report).isEqualTo(n);
        assertThat(report.announced()).as("%s", report).isEqualTo(n);
        assertThat(report.cutAtDeadline() + report.stillOpen() + report.idleClosed()).as("%s", report).isZero();
        assertThat(report.byWhoClosed().get(WhoClosed.REMOTE_FIN)).as("%s", report).isEqualTo(n);
        assertThat(report.serverTimeWait()).as("%s", report).isZero();
    }

    /**
     * The four {@link StuckPeers} all ended within the drain's {@code timeout} (plus 2 s for a busy machine), none
     * left open, and the slow reader was cut after an intact prefix.
     */
    public static void assertStuckPeersEnded(DrainReport report, StuckPeers peers, Duration timeout) {
        assertThat(report.connectionsAtStart()).as("%s", report).isEqualTo(4);
        assertThat(report.stillOpen()).as("%s", report).isZero();
        assertThat(report.idleClosed() + report.cutAtDeadline() + report.announced() + report.closedOnTheirOwn())
                .as("%s", report).isEqualTo(4);
        assertThat(report.duration()).as("%s", report).isLessThan(timeout.plusSeconds(2));
        await().atMost(Duration.ofSeconds(10)).until(peers::allEnded);
        assertThat(peers.slowReaderPrefixIntact()).as("%s", peers).isTrue();
        assertThat(peers.slowReaderRead()).as("the slow reader was cut: %s", peers).isLessThan(StuckPeers.BIG);
    }
}
