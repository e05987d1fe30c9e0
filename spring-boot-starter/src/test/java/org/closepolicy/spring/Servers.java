package org.closepolicy.spring;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetSocketAddress;
import java.time.Duration;
import javax.net.ssl.SSLSocketFactory;
import org.closepolicy.testkit.DeterministicBytes;
import org.closepolicy.testkit.HttpResult;
import org.closepolicy.testkit.LoadResult;
import org.closepolicy.testkit.OneRequestLoad;
import org.closepolicy.testkit.RawHttpClient;
import org.closepolicy.testkit.TimeWaitCounter;

/** What every server test runs: one-request connections counted in the kernel table, and a slow reader. */
final class Servers {

    /** Properties that pick the server: WebFlux on Reactor Netty, MVC on Jetty, WebFlux on Jetty. */
    static final String REACTOR_NETTY = "spring.main.web-application-type=reactive";
    static final String NO_JETTY_REACTIVE = "spring.autoconfigure.exclude="
            + "org.springframework.boot.jetty.autoconfigure.reactive.JettyReactiveWebServerAutoConfiguration";
    static final String SERVLET = "spring.main.web-application-type=servlet";
    static final String REACTIVE = "spring.main.web-application-type=reactive";
    static final String NO_NETTY = "spring.autoconfigure.exclude="
            + "org.springframework.boot.reactor.netty.autoconfigure.NettyReactiveWebServerAutoConfiguration";

    private Servers() {
    }

    /** {@code n} curl-like one-request connections; every body hash-checked; returns the kernel's counts once settled. */
    static TimeWaitCounter.Counts oneRequestConnections(int port, int n, SSLSocketFactory tls, int clientBound) {
        TimeWaitCounter.Since timeWait = TimeWaitCounter.since(port); // earlier tests' rows on the port left out
        RawHttpClient.Builder b = RawHttpClient.builder(new InetSocketAddress("127.0.0.1", port)).path("/small");
        if (tls != null) {
            b.tls(tls);
        }
        LoadResult load = OneRequestLoad.run(b.build(), n, DeterministicBytes.sha256Hex(SampleApp.SMALL));
        TimeWaitCounter.Counts c = OneRequestLoad.settled(timeWait,
                (serverSide, clientSide) -> serverSide <= n / 100 && clientSide <= clientBound);
        System.out.println("TIME_WAIT port " + port + " n=" + n + ": server " + c.serverSide() + ", client " + c.clientSide()
                + " (" + load + ")");
        return c;
    }

    /** A 1 MB response read slowly through a small receive buffer arrives whole. */
    static void slowReaderGetsWholeBody(int port) {
        slowReaderGetsWholeBody(port, null);
    }

    /** As {@link #slowReaderGetsWholeBody(int)}, over TLS when {@code tls} is given. */
    static void slowReaderGetsWholeBody(int port, SSLSocketFactory tls) {
        RawHttpClient.Builder b = RawHttpClient.builder(new InetSocketAddress("127.0.0.1", port));
        if (tls != null) {
            b.tls(tls);
        }
        HttpResult r = b.path("/big")
                .receiveBufferSize(32 * 1024)
                .readChunk(16 * 1024)
                .readDelay(Duration.ofMillis(1))
                .deadline(Duration.ofSeconds(60))
                .build()
                .send();
        assertThat(r.status()).as("%s", r).isEqualTo(200);
        assertThat(r.complete()).as("%s", r).isTrue();
        assertThat(r.bodyLength()).isEqualTo(SampleApp.BIG);
        assertThat(r.bodySha256()).isEqualTo(DeterministicBytes.sha256Hex(SampleApp.BIG));
    }
}
