package org.closepolicy.jetty;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.closepolicy.CloseEvent;
import org.closepolicy.ClosePolicy;
import org.closepolicy.FallbackReason;
import org.closepolicy.Preset;
import org.closepolicy.RetireReason;
import org.closepolicy.WhoClosed;
import org.closepolicy.testkit.HttpResult;
import org.closepolicy.testkit.RawHttpClient;
import org.closepolicy.testkit.TimeWaitCounter;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.junit.jupiter.api.Test;

/**
 * Reuse decisions on keep-alive connections: Jetty has no request limit; the policy adds one (and a
 * maximum age, and honours the client's {@code Connection: close}). The retiring response carries
 * {@code Connection: close}, the client closes first, and later pipelined requests are not served.
 */
class MaxRequestsRetiresKeepAliveConnectionsTest {

    @Test
    void thirdResponseClosesTheConnection() throws Exception {
        ClosePolicy policy = ClosePolicy.builder(Preset.KEEP_ALIVE).maxRequests(3).jitter(0).build();
        try (TestServer server = TestServer.start(policy, ExampleHandlers.routes())) {
            TimeWaitCounter.Since timeWait = TimeWaitCounter.since(server.port()); // before the first connection
            List<HttpResult> rs = RawHttpClient.builder(server.address()).path("/weather").build().pipeline(3);

            assertThat(rs).allSatisfy(r -> assertThat(r.ok()).as(r.toString()).isTrue());
            assertThat(rs.get(0).headers().hasToken("Connection", "close")).isFalse();
            assertThat(rs.get(1).headers().hasToken("Connection", "close")).isFalse();
            assertThat(rs.get(2).headers().hasToken("Connection", "close")).isTrue();
            await().atMost(Duration.ofSeconds(5)).until(() -> server.events().size() == 1);
            CloseEvent e = server.events().get(0);
            assertThat(e.requestsServed()).isEqualTo(3);
            assertThat(e.retireReason()).isEqualTo(RetireReason.MAX_REQUESTS);
            assertThat(e.whoClosed()).isEqualTo(WhoClosed.REMOTE_FIN);
            assertThat(server.stats().reused()).isEqualTo(2);
            if (TimeWaitCounter.supported()) {
                assertThat(timeWait.count().serverSide()).isZero();
            }
        }
    }

    @Test
    void requestsPipelinedPastTheLimitAreNotServed() throws Exception {
        // This client ignores Connection: close and waits for a fourth response: the client wait runs
        // out and the fallback closes the connection; the extra requests are read and discarded.
        ClosePolicy policy = ClosePolicy.builder(Preset.KEEP_ALIVE).maxRequests(3).jitter(0).clientWait(Duration.ofMillis(300)).build();
        try (TestServer server = TestServer.start(policy, ExampleHandlers.routes())) {
            List<HttpResult> rs = RawHttpClient.builder(server.address()).path("/weather").build().pipeline(5);

            assertThat(rs.subList(0, 3)).allSatisfy(r -> assertThat(r.ok()).as(r.toString()).isTrue());
            assertThat(rs.get(2).headers().hasToken("Connection", "close")).isTrue();
            assertThat(rs.subList(3, 5)).allSatisfy(r -> assertThat(r.status()).isEqualTo(-1));
            await().atMost(Duration.ofSeconds(5)).until(() -> server.events().size() == 1);
            CloseEvent e = server.events().get(0);
            assertThat(e.requestsServed()).isEqualTo(3);
            assertThat(e.fallbackReason()).isEqualTo(FallbackReason.CLIENT_WAIT_EXPIRED);
        }
    }

    @Test
    void clientConnectionCloseIsHonoured() throws Exception {
        try (TestServer server = TestServer.start(ClosePolicy.builder(Preset.KEEP_ALIVE).build(), ExampleHandlers.routes())) {
            List<HttpResult> rs = RawHttpClient.builder(server.address()).path("/weather").connectionClose(true).build().pipeline(2);

            assertThat(rs).allSatisfy(r -> assertThat(r.ok()).as(r.toString()).isTrue());
            assertThat(rs.get(1).headers().hasToken("Connection", "close")).isTrue();
            await().atMost(Duration.ofSeconds(5)).until(() -> server.events().size() == 1);
            assertThat(server.events().get(0).retireReason()).isEqualTo(RetireReason.CLIENT_REQUESTED);
            assertThat(server.events().get(0).requestsServed()).isEqualTo(2);
        }
    }

    @Test
    void connectionIsRetiredAtItsMaximumAge() throws Exception {
        // Time moves in the handler: every request takes six (virtual) seconds; the maximum age is ten.
        AtomicLong now = new AtomicLong();
        Handler slowClock = new Handler.Wrapper(ExampleHandlers.routes()) {
            @Override
            public boolean handle(Request request, Response response, Callback callback) throws Exception {
                now.addAndGet(Duration.ofSeconds(6).toNanos());
                return super.handle(request, response, callback);
            }
        };
        ClosePolicy policy = ClosePolicy.builder(Preset.KEEP_ALIVE).maxAge(Duration.ofSeconds(10)).jitter(0).build();
        try (TestServer server = TestServer.start(policy, slowClock, b -> b.ticker(now::get))) {
            List<HttpResult> rs = RawHttpClient.builder(server.address()).path("/weather").build().pipeline(2);

            assertThat(rs).allSatisfy(r -> assertThat(r.ok()).as(r.toString()).isTrue());
            assertThat(rs.get(0).headers().hasToken("Connection", "close")).isFalse();
            assertThat(rs.get(1).headers().hasToken("Connection", "close")).isTrue();
            await().atMost(Duration.ofSeconds(5)).until(() -> server.events().size() == 1);
            assertThat(server.events().get(0).retireReason()).isEqualTo(RetireReason.MAX_AGE);
        }
    }

    @Test
    void customizerOnAPlainConnectorAddsConnectionClose() throws Exception {
        // Reuse decisions only: Jetty's own ServerConnector, the customizer in its configuration.
        ClosePolicy policy = ClosePolicy.builder(Preset.KEEP_ALIVE).maxRequests(2).jitter(0).build();
        org.eclipse.jetty.server.Server jetty = new org.eclipse.jetty.server.Server();
        org.eclipse.jetty.server.HttpConfiguration config = new org.eclipse.jetty.server.HttpConfiguration();
        config.addCustomizer(JettyClosePolicy.customizer(policy));
        org.eclipse.jetty.server.ServerConnector plain = new org.eclipse.jetty.server.ServerConnector(jetty,
                new org.eclipse.jetty.server.HttpConnectionFactory(config));
        plain.setHost("127.0.0.1");
        jetty.addConnector(plain);
        jetty.setHandler(ExampleHandlers.routes());
        jetty.start();
        try {
            List<HttpResult> rs = RawHttpClient.builder("127.0.0.1", plain.getLocalPort()).path("/weather").build().pipeline(4);

            assertThat(rs.get(0).headers().hasToken("Connection", "close")).isFalse();
            assertThat(rs.get(1).headers().hasToken("Connection", "close")).isTrue();
            assertThat(rs.get(1).ok()).isTrue();
            assertThat(rs.get(2).status()).isEqualTo(-1);
        } finally {
            jetty.stop();
        }
    }

    @Test
    void keptConnectionsGetThePolicyIdleTimeout() throws Exception {
        ClosePolicy policy = ClosePolicy.builder(Preset.KEEP_ALIVE).idleTimeout(Duration.ofSeconds(123)).build();
        try (TestServer server = TestServer.start(policy, new Handler.Abstract() {
            @Override
            public boolean handle(Request request, Response response, Callback callback) {
                response.write(true, ByteBuffer.wrap(Long.toString(request.getConnectionMetaData().getConnection().getEndPoint()
                        .getIdleTimeout()).getBytes()), callback);
                return true;
            }
        })) {
            List<HttpResult> rs = RawHttpClient.builder(server.address()).keepBody(true).build().pipeline(2);

            assertThat(rs.get(1).bodyText()).isEqualTo("123000");
        }
    }
}
