package org.closepolicy.jetty;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import org.closepolicy.ClosePolicies;
import org.closepolicy.Preset;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A connector with TLS and HTTP/2 serves clients whatever they offer by ALPN: {@code h2} first, {@code http/1.1}
 * alone (curl --http1.1, HTTP/1.1-only client libraries), or nothing (wrk, most raw TLS clients). Before, a client
 * that offered only {@code http/1.1} had its handshake closed: the connector announced Jetty's protocol name
 * {@code HTTP/1.1}, which ALPN compares byte for byte.
 */
class Http11ClientsNegotiateOverAlpnTest {

    @ParameterizedTest(name = "client offers [{0}]")
    @ValueSource(strings = {"http/1.1", "h2,http/1.1", ""})
    void theHandshakeSelectsAProtocolTheClientOffered(String offered) throws Exception {
        try (TestServer server = TestServer.start(ClosePolicies.of(Preset.KEEP_ALIVE), ExampleHandlers.routes(),
                b -> b.tls(SelfSignedTls.get().server()).http2());
             SSLSocket socket = (SSLSocket) SelfSignedTls.get().client().getSocketFactory()
                     .createSocket(server.address().getAddress(), server.port())) {
            SSLParameters params = socket.getSSLParameters();
            params.setApplicationProtocols(offered.isEmpty() ? new String[0] : offered.split(","));
            socket.setSSLParameters(params);
            socket.startHandshake();

            String selected = socket.getApplicationProtocol();
            assertThat(selected).isEqualTo(offered.startsWith("h2") ? "h2" : offered);
            if (!"h2".equals(selected)) {
                OutputStream out = socket.getOutputStream();
                out.write("GET /weather HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                out.flush();
                InputStream in = socket.getInputStream();
                String head = new String(in.readNBytes(12), StandardCharsets.US_ASCII);
                assertThat(head).isEqualTo("HTTP/1.1 200");
            }
        }
    }
}
