package org.closepolicy.testkit;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.security.cert.Certificate;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * A throw-away self-signed certificate for {@code localhost} and {@code 127.0.0.1}, made once per JVM by the
 * running JDK's {@code keytool} in a temporary directory that is deleted right after loading: no key material is
 * stored in the repository or left on disk. Adapters' tests build their framework's TLS contexts from
 * {@link #keyStore()} and {@link #password()}; clients trust it through {@link #clientContext()}.
 * <pre>{@code
 * SelfSignedCertificate cert = SelfSignedCertificate.get();
 * SSLSocketFactory sockets = cert.clientContext().getSocketFactory();
 * KeyManagerFactory keys = cert.keyManagerFactory();   // for a server
 * }</pre>
 *
 * <p>Thread-safety: thread-safe; the instance is immutable once made.
 */
public final class SelfSignedCertificate {

    private static volatile SelfSignedCertificate instance;

    private final KeyStore keys;
    private final char[] password;
    private final Certificate certificate;

    private SelfSignedCertificate(KeyStore keys, char[] password, Certificate certificate) {
        this.keys = keys;
        this.password = password;
        this.certificate = certificate;
    }

    /** The certificate of this JVM, made on first use (about a second). */
    public static SelfSignedCertificate get() {
        SelfSignedCertificate s = instance;
        if (s == null) {
            synchronized (SelfSignedCertificate.class) {
                s = instance;
                if (s == null) {
                    s = generate();
                    instance = s;
                }
            }
        }
        return s;
    }

    /** The PKCS#12 key store holding the key and certificate under the alias {@code server}. */
    public KeyStore keyStore() {
        return keys;
    }

    /** The password of the key store and of the key (random per JVM). */
    public char[] password() {
        return password.clone();
    }

    /** The certificate. */
    public Certificate certificate() {
        return certificate;
    }

    /** Key managers for a server presenting the certificate. */
    public KeyManagerFactory keyManagerFactory() {
        try {
            KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(keys, password);
            return kmf;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Trust managers that trust only this certificate. */
    public TrustManagerFactory trustManagerFactory() {
        try {
            KeyStore ts = KeyStore.getInstance(KeyStore.getDefaultType());
            ts.load(null, null);
            ts.setCertificateEntry("server", certificate);
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(ts);
            return tmf;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A JDK client context trusting only this certificate. */
    public SSLContext clientContext() {
        try {
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(null, trustManagerFactory().getTrustManagers(), new SecureRandom());
            return ctx;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static SelfSignedCertificate generate() {
        byte[] random = new byte[16];
        new SecureRandom().nextBytes(random);
        char[] password = HexFormat.of().formatHex(random).toCharArray();
        Path dir = null;
        try {
            dir = Files.createTempDirectory("closepolicy-tls");
            Path store = dir.resolve("server.p12");
            Path keytool = Path.of(System.getProperty("java.home"), "bin", "keytool");
            List<String> cmd = List.of(keytool.toString(), "-genkeypair", "-alias", "server",
                    "-keyalg", "EC", "-groupname", "secp256r1", "-sigalg", "SHA256withECDSA",
                    "-dname", "CN=localhost", "-ext", "SAN=dns:localhost,ip:127.0.0.1", "-validity", "2",
                    "-storetype", "PKCS12", "-keystore", store.toString(),
                    "-storepass", new String(password), "-keypass", new String(password));
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            String out;
            try (InputStream in = p.getInputStream()) {
                out = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            }
            if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
                p.destroyForcibly();
                throw new IllegalStateException("keytool failed: " + out);
            }
            KeyStore ks = KeyStore.getInstance("PKCS12");
            try (InputStream in = Files.newInputStream(store)) {
                ks.load(in, password);
            }
            return new SelfSignedCertificate(ks, password, ks.getCertificate("server"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } finally {
            deleteQuietly(dir);
        }
    }

    private static void deleteQuietly(Path dir) {
        if (dir == null) {
            return;
        }
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        } catch (IOException e) {
            // a temporary directory: the OS cleans it up eventually
        }
    }
}
