package org.closepolicy.jetty;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import org.closepolicy.CloseEvent;
import org.closepolicy.ClosePolicies;
import org.closepolicy.FallbackReason;
import org.closepolicy.Preset;
import org.closepolicy.testkit.HttpResult;
import org.closepolicy.testkit.RawHttpClient;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The classic "early 413 then close" bug (RFC 2525 §2.17): the server answers before reading a
 * 2 MB request body; closing the socket over the unread bytes makes the kernel send an RST that can
 * wipe the response. Stock Jetty 12.1 closes such a connection at once. Under every preset the 413
 * must reach the client, whether it sends the body while reading (as curl does) or sends it all
 * before reading.
 */
class EarlyResponseWithUnreadBodyReachesClientTest {

    static final long BODY = 2L * 1024 * 1024;
    static final int ROUNDS = 5;

    @ParameterizedTest(name = "{0}")
    @EnumSource(Preset.class)
    void clientReadingWhileSendingGets413(Preset preset) throws Exception {
        check(preset, true);
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(Preset.class)
    void clientSendingEverythingFirstGets413(Preset preset) throws Exception {
        check(preset, false);
    }

    private static void check(Preset preset, boolean concurrentBody) throws Exception {
        try (TestServer server = TestServer.start(ClosePolicies.of(preset), ExampleHandlers.routes())) {
            RawHttpClient upload = RawHttpClient.builder(server.address()).method("POST").path("/upload")
                    .deterministicBody(BODY).bodyFromSeparateThread(concurrentBody).keepBody(true)
                    .deadline(Duration.ofSeconds(20)).build();
            for (int i = 0; i < ROUNDS; i++) {
                HttpResult r = upload.send();

                assertThat(r.status()).as("round %d: %s", i, r).isEqualTo(413);
                assertThat(r.complete()).as("round %d: %s", i, r).isTrue();
                assertThat(r.bodyText()).contains("too large");
            }
            await().atMost(Duration.ofSeconds(40)).until(() -> server.events().size() == ROUNDS);
            for (CloseEvent e : server.events()) {
                // Closed by the policy or by the client, never aborted by Jetty over the unread body.
                assertThat(e.fallbackReason()).as(e.toString()).isNotEqualTo(FallbackReason.APPLICATION_ABORT);
            }
        }
    }
}
