package org.closepolicy.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.Test;

/** The throw-away certificate works for a real TLS handshake on loopback, and is made once per JVM. */
class SelfSignedCertificateTest {

    @Test
    void aServerWithTheCertificateIsTrustedByTheClientContext() throws Exception {
        SelfSignedCertificate cert = SelfSignedCertificate.get();
        assertThat(SelfSignedCertificate.get()).isSameAs(cert);
        SSLContext server = SSLContext.getInstance("TLS");
        server.init(cert.keyManagerFactory().getKeyManagers(), null, null);
        try (SSLServerSocket listener = (SSLServerSocket) server.getServerSocketFactory().createServerSocket(0, 1,
                InetAddress.getLoopbackAddress())) {
            CompletableFuture<String> served = CompletableFuture.supplyAsync(() -> {
                try (SSLSocket s = (SSLSocket) listener.accept(); InputStream in = s.getInputStream()) {
                    return new String(in.readNBytes(5), StandardCharsets.US_ASCII);
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            try (SSLSocket client = (SSLSocket) cert.clientContext().getSocketFactory().createSocket()) {
                client.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), listener.getLocalPort()), 5000);
                client.setSoTimeout(5000);
                client.startHandshake();
                assertThat(client.getSession().getPeerCertificates()[0]).isEqualTo(cert.certificate());
                OutputStream out = client.getOutputStream();
                out.write("hello".getBytes(StandardCharsets.US_ASCII));
                out.flush();
                assertThat(served.get(10, TimeUnit.SECONDS)).isEqualTo("hello");
            }
        }
    }
}
