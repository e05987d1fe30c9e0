package org.closepolicy.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.closepolicy.ClosePolicy;
import org.closepolicy.testkit.SelfSignedCertificate;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@code serve --http2} and {@code --tls} on both servers: the JDK client gets h2 over TLS by ALPN, and h2load (when
 * installed) completes every request over h2c by prior knowledge and over TLS.
 */
class ServeSpeaksHttp2AndTlsTest {

    private static final Pattern REQUESTS = Pattern.compile("requests: (\\d+) total, \\d+ started, \\d+ done, (\\d+) succeeded, (\\d+) failed, (\\d+) errored");

    @ParameterizedTest(name = "{0} tls={1}")
    @CsvSource({"NETTY, false", "NETTY, true", "JETTY, false", "JETTY, true"})
    void http2AnswersEveryRequest(ServerKind kind, boolean tls) throws Exception {
        ServerConfig config = new ServerConfig(kind, "127.0.0.1", 0, ClosePolicy.parse("keep-alive"), "keep-alive",
                TransportKind.NIO, Duration.ofSeconds(1));
        SelfSignedCertificate cert = SelfSignedCertificate.get();
        Wire wire = tls ? new Wire(cert.keyStore(), cert.password(), true) : new Wire(null, null, true);
        ExampleServer server = ExampleServers.start(config, wire);
        String url = wire.scheme() + "://127.0.0.1:" + server.port() + "/weather.xml";
        try {
            if (tls) {
                HttpClient jdk = HttpClient.newBuilder().version(HttpClient.Version.HTTP_2).sslContext(cert.clientContext())
                        .connectTimeout(Duration.ofSeconds(10)).build();
                HttpResponse<byte[]> r = jdk.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofByteArray());
                assertThat(r.version()).isEqualTo(HttpClient.Version.HTTP_2);
                assertThat(r.body()).isEqualTo(WeatherXml.bytes());
            }
            String h2load = onPath("h2load");
            assumeTrue(h2load != null, "h2load is not installed (apt-get install nghttp2-client)");
            Process p = new ProcessBuilder(h2load, "-n", "400", "-c", "4", url).redirectErrorStream(true).start();
            String report = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
            Matcher m = REQUESTS.matcher(report);
            assertThat(m.find()).as(report).isTrue();
            assertThat(m.group(2)).as(report).isEqualTo("400");
            assertThat(m.group(3) + "/" + m.group(4)).as("failed/errored: %s", report).isEqualTo("0/0");
            assertThat(report).contains("status codes: 400 2xx");
            if (tls) {
                assertThat(report).contains("Application protocol: h2");
            }
        } finally {
            server.stop(Duration.ofSeconds(1));
        }
    }

    private static String onPath(String name) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            File f = new File(dir, name);
            if (f.canExecute()) {
                return f.getPath();
            }
        }
        return null;
    }
}
