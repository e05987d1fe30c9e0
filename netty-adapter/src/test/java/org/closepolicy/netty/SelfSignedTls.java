package org.closepolicy.netty;

import io.netty.handler.codec.http2.Http2SecurityUtil;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.netty.handler.ssl.SupportedCipherSuiteFilter;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import org.closepolicy.testkit.SelfSignedCertificate;

/**
 * Netty TLS contexts for the testkit's throw-away {@link SelfSignedCertificate} (made at run time, nothing stored).
 */
final class SelfSignedTls {

    private static final SelfSignedTls INSTANCE = new SelfSignedTls();

    private SelfSignedTls() {
    }

    static SelfSignedTls get() {
        return INSTANCE;
    }

    /** A Netty server context (JDK provider); with {@code alpn}, it offers h2 and http/1.1. */
    SslContext server(boolean alpn) {
        SslContextBuilder b = SslContextBuilder.forServer(SelfSignedCertificate.get().keyManagerFactory()).sslProvider(SslProvider.JDK);
        return build(alpn ? alpn(b, ApplicationProtocolNames.HTTP_2, ApplicationProtocolNames.HTTP_1_1) : b);
    }

    /** A Netty client context trusting the certificate; with {@code alpn}, it asks for h2. */
    SslContext nettyClient(boolean alpn) {
        SslContextBuilder b = SslContextBuilder.forClient().sslProvider(SslProvider.JDK)
                .trustManager(SelfSignedCertificate.get().trustManagerFactory());
        return build(alpn ? alpn(b, ApplicationProtocolNames.HTTP_2) : b);
    }

    /** A JDK client context trusting only the certificate. */
    SSLContext client() {
        return SelfSignedCertificate.get().clientContext();
    }

    private static SslContextBuilder alpn(SslContextBuilder b, String... protocols) {
        return b.ciphers(Http2SecurityUtil.CIPHERS, SupportedCipherSuiteFilter.INSTANCE)
                .applicationProtocolConfig(new ApplicationProtocolConfig(ApplicationProtocolConfig.Protocol.ALPN,
                        ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
                        ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT, protocols));
    }

    private static SslContext build(SslContextBuilder b) {
        try {
            return b.build();
        } catch (SSLException e) {
            throw new IllegalStateException(e);
        }
    }
}
