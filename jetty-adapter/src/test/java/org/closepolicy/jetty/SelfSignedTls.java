package org.closepolicy.jetty;

import javax.net.ssl.SSLContext;
import org.closepolicy.testkit.SelfSignedCertificate;
import org.eclipse.jetty.util.ssl.SslContextFactory;

/**
 * Jetty TLS contexts for the testkit's throw-away {@link SelfSignedCertificate} (made at run time, nothing stored).
 */
final class SelfSignedTls {

    private static final SelfSignedTls INSTANCE = new SelfSignedTls();

    private SelfSignedTls() {
    }

    /** The certificate of this test run (generated on first use, about a second). */
    static SelfSignedTls get() {
        return INSTANCE;
    }

    /** A fresh server context factory for Jetty (one per connector). */
    SslContextFactory.Server server() {
        SelfSignedCertificate cert = SelfSignedCertificate.get();
        SslContextFactory.Server f = new SslContextFactory.Server();
        f.setKeyStore(cert.keyStore());
        f.setKeyStorePassword(new String(cert.password()));
        return f;
    }

    /** A client context trusting only this certificate. */
    SSLContext client() {
        return SelfSignedCertificate.get().clientContext();
    }
}
