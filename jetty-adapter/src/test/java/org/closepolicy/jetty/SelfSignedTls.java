package org.closepolicy.jetty;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.eclipse.jetty.util.ssl.SslContextFactory;

/**
 * A self-signed certificate for {@code localhost} and {@code 127.0.0.1}, made once per test run by the
 * running JDK's {@code keytool} in a temporary directory (no key material is committed), with a
 * server context for Jetty and a client context that trusts it.
 */
final class SelfSignedTls {

    private static final char[] PASSWORD = "closepolicy-test".toCharArray();
    private static volatile SelfSignedTls instance;

    private final Path keyStore;
    private final SSLContext client;

    private SelfSignedTls(Path keyStore, SSLContext client) {
        this.keyStore = keyStore;
        this.client = client;
    }

    /** The certificate of this test run (generated on first use, about a second). */
    static SelfSignedTls get() throws Exception {
        SelfSignedTls i = instance;
        if (i == null) {
            synchronized (SelfSignedTls.class) {
                i = instance;
                if (i == null) {
                    instance = i = generate();
                }
            }
        }
        return i;
    }

    private static SelfSignedTls generate() throws Exception {
        Path dir = Files.createTempDirectory("closepolicy-tls");
        dir.toFile().deleteOnExit();
        Path ks = dir.resolve("server.p12");
        String keytool = Path.of(System.getProperty("java.home"), "bin", "keytool").toString();
        Process p = new ProcessBuilder(List.of(keytool, "-genkeypair", "-alias", "server", "-keyalg", "EC", "-groupname", "secp256r1",
                "-validity", "2", "-dname", "CN=localhost", "-ext", "SAN=dns:localhost,ip:127.0.0.1", "-storetype", "PKCS12",
                "-keystore", ks.toString(), "-storepass", new String(PASSWORD), "-keypass", new String(PASSWORD)))
                .redirectErrorStream(true).start();
        String out;
        try (InputStream in = p.getInputStream()) {
            out = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
            p.destroyForcibly();
            throw new IOException("keytool failed: " + out);
        }
        ks.toFile().deleteOnExit();

        KeyStore store = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(ks)) {
            store.load(in, PASSWORD);
        }
        Certificate cert = store.getCertificate("server");
        KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
        trust.load(null, null);
        trust.setCertificateEntry("server", cert);
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        SSLContext client = SSLContext.getInstance("TLS");
        client.init(null, tmf.getTrustManagers(), null);
        return new SelfSignedTls(ks, client);
    }

    /** A fresh server context factory for Jetty (one per connector). */
    SslContextFactory.Server server() {
        SslContextFactory.Server f = new SslContextFactory.Server();
        f.setKeyStorePath(keyStore.toString());
        f.setKeyStorePassword(new String(PASSWORD));
        f.setKeyStoreType("PKCS12");
        return f;
    }

    /** A client context trusting only this certificate. */
    SSLContext client() {
        return client;
    }
}
