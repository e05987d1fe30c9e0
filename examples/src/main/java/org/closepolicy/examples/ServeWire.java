package org.closepolicy.examples;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import org.closepolicy.testkit.SelfSignedCertificate;
import picocli.CommandLine;

/**
 * Turns {@code serve}'s {@code --tls}, {@code --keystore}, {@code --keystore-password} and {@code --http2} into a
 * {@link Wire}, with a usage error (exit code 2) for a key store that cannot be read.
 *
 * <p>Thread-safety: stateless.
 */
final class ServeWire {

    private ServeWire() {
    }

    static Wire of(CommandLine cli, boolean tls, Path keystore, String password, boolean http2) {
        if (keystore != null) {
            char[] pw = password.toCharArray();
            try (InputStream in = Files.newInputStream(keystore)) {
                KeyStore ks = KeyStore.getInstance("PKCS12");
                ks.load(in, pw);
                return new Wire(ks, pw, http2);
            } catch (IOException | GeneralSecurityException e) {
                throw new CommandLine.ParameterException(cli, "--keystore " + keystore + " cannot be read as PKCS12 with the "
                        + "given --keystore-password: " + e.getMessage());
            }
        }
        if (tls) {
            SelfSignedCertificate cert = SelfSignedCertificate.get();
            return new Wire(cert.keyStore(), cert.password(), http2);
        }
        return http2 ? new Wire(null, null, true) : Wire.CLEARTEXT_HTTP1;
    }

    /** The commands to try against the server. */
    static String tryLine(Wire wire, String where) {
        String k = wire.tls() ? "-k " : "";
        String line = "curl -s " + k + where + "/weather.xml   curl -s " + k + where + "/stats";
        if (wire.http2()) {
            line += wire.tls() ? "   curl -sk --http2 " + where + "/weather.xml" : "   curl -s --http2-prior-knowledge " + where + "/weather.xml";
            line += "   h2load -n 2000 -c 10 " + where + "/weather.xml";
        }
        return line;
    }
}
