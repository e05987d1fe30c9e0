package org.closepolicy.jetty;

import java.net.URI;
import java.net.http.HttpClient;
import java.time.Duration;
import org.closepolicy.ClosePolicy;
import org.eclipse.jetty.server.Handler;

/** HTTP/2 servers and clients for the tests: h2 over TLS (chosen by ALPN) and h2c. */
enum Http2Fixture {
    /** h2 over TLS, chosen by ALPN. */
    H2,
    /** Cleartext HTTP/2: the JDK client upgrades from HTTP/1.1, Jetty's client uses prior knowledge. */
    H2C;

    TestServer start(ClosePolicy policy, Handler handler) throws Exception {
        if (this == H2) {
            SelfSignedTls tls = SelfSignedTls.get();
            return TestServer.start(policy, handler, b -> b.tls(tls.server()).http2());
        }
        return TestServer.start(policy, handler, ClosePolicyConnector.Builder::http2);
    }

    URI uri(TestServer server, String path) {
        return URI.create((this == H2 ? "https" : "http") + "://127.0.0.1:" + server.port() + path);
    }

    HttpClient jdkClient() throws Exception {
        HttpClient.Builder b = HttpClient.newBuilder().version(HttpClient.Version.HTTP_2).connectTimeout(Duration.ofSeconds(20));
        if (this == H2) {
            b.sslContext(SelfSignedTls.get().client());
        }
        return b.build();
    }
}
