package org.closepolicy.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.closepolicy.testkit.TimeWaitCounter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code demo --scenario deploy} on one server and policy: the table has a block with a line per client family
 * and every failure column, says the value of {@code net.ipv4.tcp_migrate_req}, and the drained row shows what
 * the drain promises: clients that always have a request in flight lose nothing, and A keeps no TIME_WAIT but
 * those of the lingering closes a request crossing the idle close gets.
 */
class DeployDemoLosesNoRequestOfBusyClientsTest {

    @TempDir
    Path dir;

    @Test
    @SuppressWarnings("unchecked")
    void theDrainedRowHasNoFailedRequestForTheBusyPoolAndTheTableHasItsShape() throws Exception {
        Path json = dir.resolve("deploy.json");
        CliRun run = CliRun.of("demo", "--scenario", "deploy", "--quick", "--servers", "netty", "--policies", "keep-alive",
                "--no-progress", "--json", json.toString());
        System.out.println(run.out());
        assertThat(run.exitCode()).as(run.out() + run.err()).isZero();
        assertThat(run.out()).contains("netty, keep-alive (drain): A stopped in", "A's drain:", "tcp_migrate_req");
        for (String header : DeployTable.HEADERS) {
            assertThat(run.out()).contains(header);
        }

        Map<String, Object> doc = (Map<String, Object>) Json.parse(Files.readString(json));
        List<Map<String, Object>> results = (List<Map<String, Object>>) doc.get("results");
        assertThat(results).hasSize(1);
        Map<String, Object> row = results.get(0);
        assertThat(row.get("stop")).isEqualTo("drain");
        Map<String, Object> report = (Map<String, Object>) row.get("drainReport");
        assertThat(report.get("cutAtDeadline")).as("%s", report).isEqualTo(0L);
        // The only closes that may leave a server TIME_WAIT are the lingering ones of the idle-close race (a request of
        // an idle family crossing the drain's idle close); every announced close is the client's.
        long lingering = (Long) ((Map<String, Object>) report.get("byCloseMode")).get("LINGER");
        assertThat(report.get("serverTimeWait")).as("%s", report).isEqualTo(lingering);
        List<Map<String, Object>> clients = (List<Map<String, Object>>) row.get("clients");
        assertThat(clients).extracting(c -> c.get("client"))
                .containsExactly("raw pool, always in flight", "raw pool, idle between requests", "JDK HttpClient, idle between requests");
        for (Map<String, Object> c : clients) {
            assertThat(c).containsKeys("sent", "ok", "failed", "connect", "eofBeforeResponse", "resetBeforeResponse", "midResponse", "bad");
        }
        Map<String, Object> busy = clients.get(0);
        assertThat((Long) busy.get("ok")).as("%s", busy).isPositive();
        assertThat(busy.get("failed")).as("requests always in flight lose nothing to a drain: %s", busy).isEqualTo(0L);
        if (TimeWaitCounter.supported()) {
            assertThat((Long) row.get("serverTimeWait")).as("server TIME_WAIT on the port when A had stopped").isLessThanOrEqualTo(lingering);
        }
    }
}
