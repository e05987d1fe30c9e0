package org.closepolicy.examples;

import java.security.KeyStore;

/**
 * What a served connection speaks below the application: cleartext or TLS (with this key store), HTTP/1.1 only or
 * HTTP/2 too (h2 by ALPN over TLS; h2c by prior knowledge in cleartext, and by the HTTP/1.1 Upgrade on Jetty).
 *
 * <p>Thread-safety: immutable (the key store is only read).
 *
 * @param keyStore the server's key and certificate, or null for cleartext
 * @param password the key store's and the key's password, or null for cleartext
 * @param http2    whether HTTP/2 is offered besides HTTP/1.1
 */
record Wire(KeyStore keyStore, char[] password, boolean http2) {

    /** Cleartext HTTP/1.1: what {@code serve} speaks without {@code --tls} and {@code --http2}. */
    static final Wire CLEARTEXT_HTTP1 = new Wire(null, null, false);

    /** Whether connections are TLS. */
    boolean tls() {
        return keyStore != null;
    }

    /** The URL scheme. */
    String scheme() {
        return tls() ? "https" : "http";
    }

    /** For display: {@code http/1.1}, {@code h2c + http/1.1}, {@code TLS: h2 + http/1.1} and so on. */
    String describe() {
        String protocols = http2 ? (tls() ? "h2 + http/1.1 (ALPN)" : "h2c + http/1.1") : "http/1.1";
        return tls() ? "TLS: " + protocols : protocols;
    }
}
