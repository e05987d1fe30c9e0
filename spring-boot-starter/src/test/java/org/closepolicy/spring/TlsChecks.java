package org.closepolicy.spring;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.io.OutputStream;
import java.time.Duration;
import org.closepolicy.testkit.DeterministicBytes;
import org.closepolicy.testkit.SelfSignedCertificate;
import org.closepolicy.testkit.TimeWaitCounter;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/** {@code server.ssl} (a self-signed bundle) and {@code server.http2.enabled=true} with {@code safe-reset}. */
abstract class TlsChecks {

    @LocalServerPort
    int port;

    @DynamicPropertySource
    static void tls(DynamicPropertyRegistry registry) throws Exception {
        SelfSignedCertificate cert = SelfSignedCertificate.get();
        Path store = Files.createTempFile("closepolicy-test", ".p12");
        store.toFile().deleteOnExit();
        try (OutputStream out = Files.newOutputStream(store)) {
            cert.keyStore().store(out, cert.password());
        }
        String password = new String(cert.password());
        registry.add("spring.ssl.bundle.jks.test.keystore.location", () -> store.toUri().toString());
        registry.add("spring.ssl.bundle.jks.test.keystore.password", () -> password);
        registry.add("spring.ssl.bundle.jks.test.keystore.type", () -> "PKCS12");
        registry.add("spring.ssl.bundle.jks.test.key.password", () -> password);
        registry.add("server.ssl.bundle", () -> "test");
        registry.add("server.http2.enabled", () -> "true");
        registry.add("closepolicy.policy", () -> "safe-reset");
    }

    @Test
    void safeResetOverTlsLeavesAtMostOnePercentTimeWaitOnTheServer() {
        Assumptions.assumeTrue(TimeWaitCounter.supported(), "needs the kernel's TCP table");
        int n = 100;
        TimeWaitCounter.Counts c = Servers.oneRequestConnections(port, n,
                SelfSignedCertificate.get().clientContext().getSocketFactory(), n / 100);
        assertThat(c.serverSide()).isLessThanOrEqualTo(n / 100);
        assertThat(c.clientSide()).isLessThanOrEqualTo(n / 100);
    }

    @Test
    void aSlowReaderOverTlsGetsTheWholeMegabyte() {
        // safe-reset resets only once the client closed or every byte is acknowledged: nothing of the body is lost
        Servers.slowReaderGetsWholeBody(port, SelfSignedCertificate.get().clientContext().getSocketFactory());
    }

    @Test
    void http2OverTlsServesWholeBodies() throws Exception {
        for (String path : new String[] {"/small", "/big"}) {
            // A client per request: safe-reset retires the connection after one stream (GOAWAY), and the JDK client
            // before Java 24 fails a request it sent on a connection that received one.
            HttpClient client = HttpClient.newBuilder()
                    .sslContext(SelfSignedCertificate.get().clientContext())
                    .version(HttpClient.Version.HTTP_2)
                    .connectTimeout(Duration.ofSeconds(10))
                    .build();
            HttpResponse<byte[]> r = client.send(HttpRequest.newBuilder(URI.create("https://localhost:" + port + path))
                    .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofByteArray());
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.version()).isEqualTo(HttpClient.Version.HTTP_2);
            int size = path.equals("/small") ? SampleApp.SMALL : SampleApp.BIG;
            assertThat(DeterministicBytes.sha256Hex(r.body())).isEqualTo(DeterministicBytes.sha256Hex(size));
        }
    }
}
