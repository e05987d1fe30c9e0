package org.closepolicy.jetty;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.closepolicy.CloseListener;
import org.closepolicy.ClosePolicy;
import org.closepolicy.ConnectionView;
import org.closepolicy.Retire;
import org.closepolicy.testkit.HttpResult;
import org.closepolicy.testkit.RawHttpClient;
import org.closepolicy.testkit.Sha256;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.junit.jupiter.api.Test;

/**
 * A {@link CloseListener} never affects the connection, on the customizer path too: a listener that throws on
 * every reuse and retirement leaves each response whole, with the headers the policy decided.
 */
class ThrowingListenerOnCustomizerLeavesResponsesIntactTest {

    @Test
    void responsesArriveWholeWhileTheListenerThrows() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        CloseListener throwing = new CloseListener() {
            @Override
            public void onReuse(ConnectionView view) {
                calls.incrementAndGet();
                throw new IllegalStateException("listener failure on reuse");
            }

            @Override
            public void onRetire(ConnectionView view, Retire decision) {
                calls.incrementAndGet();
                throw new IllegalStateException("listener failure on retire");
            }
        };
        ClosePolicy policy = ClosePolicy.parse("keep-alive, reuse.max-requests=3, reuse.jitter=0");
        Server jetty = new Server();
        HttpConfiguration config = new HttpConfiguration();
        config.addCustomizer(JettyClosePolicy.customizer(policy, throwing));
        ServerConnector plain = new ServerConnector(jetty, new HttpConnectionFactory(config));
        plain.setHost("127.0.0.1");
        jetty.addConnector(plain);
        jetty.setHandler(ExampleHandlers.routes());
        jetty.start();
        try {
            List<HttpResult> rs = RawHttpClient.builder("127.0.0.1", plain.getLocalPort()).path("/weather").keepBody(true)
                    .build().pipeline(3);

            String expected = Sha256.hex(ExampleHandlers.WEATHER);
            assertThat(rs).hasSize(3).allSatisfy(r -> {
                assertThat(r.ok()).as(r.toString()).isTrue();
                assertThat(r.bodySha256()).isEqualTo(expected);
            });
            assertThat(rs.get(0).headers().hasToken("Connection", "close")).isFalse();
            assertThat(rs.get(1).headers().hasToken("Connection", "close")).isFalse();
            assertThat(rs.get(2).headers().hasToken("Connection", "close")).as("the third request retires").isTrue();
            assertThat(calls.get()).as("the listener was called (and threw) for every decision").isEqualTo(3);
        } finally {
            jetty.stop();
        }
    }
}
