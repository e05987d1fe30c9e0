package org.closepolicy.netty;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import java.time.Duration;
import java.util.stream.Stream;
import org.closepolicy.CloseEvent;
import org.closepolicy.ClosePolicies;
import org.closepolicy.Preset;
import org.closepolicy.testkit.HttpResult;
import org.closepolicy.testkit.RawHttpClient;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The classic lost-response bug: the server answers 413 before reading a 2 MB request body. Closing
 * with unread input makes the kernel send an RST that can wipe the response; under every preset the
 * 413 reaches the client whole.
 */
class EarlyResponseReachesClientTest {

    static Stream<Arguments> runs() {
        Stream.Builder<Arguments> b = Stream.builder();
        for (TestServer.Kind kind : TestServer.Kind.values()) {
            for (Preset p : Preset.values()) {
                b.add(Arguments.of(kind, p));
            }
        }
        return b.build();
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("runs")
    void earlyRejectionArrivesDespiteUnreadBody(TestServer.Kind kind, Preset preset) {
        assumeThat(kind.available()).isTrue();
        try (TestServer server = TestServer.http(kind, ClosePolicies.of(preset), p -> p.addLast(new Apps.EarlyReject(64 * 1024)))) {
            RawHttpClient upload = RawHttpClient.builder(server.address())
                    .method("POST")
                    .path("/upload")
                    .deterministicBody(2_000_000)
                    .bodyFromSeparateThread(true)
                    .deadline(Duration.ofSeconds(30))
                    .keepBody(true)
                    .build();
            HttpResult r = upload.send();
            assertThat(r.status()).as("%s", r).isEqualTo(413);
            assertThat(r.complete()).as("%s", r).isTrue();
            assertThat(r.bodyText()).isEqualTo("request body too large\n");
            CloseEvent e = server.events.awaitOne(Duration.ofSeconds(40));
            System.out.println("early 413 " + kind + " " + preset + ": " + e);
        }
    }
}
