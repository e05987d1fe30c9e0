package org.closepolicy.jetty;

import org.eclipse.jetty.alpn.server.ALPNServerConnectionFactory;
import org.eclipse.jetty.http2.ErrorCode;
import org.eclipse.jetty.http2.HTTP2Connection;
import org.eclipse.jetty.http2.HTTP2Session;
import org.eclipse.jetty.http2.api.Stream;
import org.eclipse.jetty.http2.frames.ResetFrame;
import org.eclipse.jetty.http2.server.HTTP2CServerConnectionFactory;
import org.eclipse.jetty.http2.server.HTTP2ServerConnectionFactory;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.server.ConnectionFactory;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.SslConnectionFactory;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.ssl.SslContextFactory;

/**
 * Every use of Jetty's HTTP/2 classes, kept in one place: they are an optional dependency, so the
 * rest of the adapter refers to an HTTP/2 connection only as a {@link Connection} and calls in here
 * only once {@link #AVAILABLE} says the classes are there.
 *
 * <p>Thread-safety: stateless; Jetty's session is thread-safe.
 */
final class Http2Sessions {

    /** Whether Jetty's HTTP/2 classes are on the class path. */
    static final boolean AVAILABLE = present("org.eclipse.jetty.http2.HTTP2Connection");

    private Http2Sessions() {
    }

    private static boolean present(String className) {
        try {
            Class.forName(className, false, Http2Sessions.class.getClassLoader());
            return true;
        } catch (ClassNotFoundException | LinkageError e) {
            return false;
        }
    }

    /** Whether this connection speaks HTTP/2 (h2 after ALPN, or h2c). */
    static boolean isHttp2(Connection connection) {
        return AVAILABLE && connection instanceof HTTP2Connection;
    }

    /**
     * Sends one {@code GOAWAY} with {@code NO_ERROR} and the last stream id the session accepted:
     * streams up to it run to their end, later ones are refused (a conforming client retries them on a
     * new connection). Jetty's session then waits for the client to close. {@code written} runs once
     * the frame is written (or could not be).
     */
    static void goAway(Connection connection, String reason, Runnable written) {
        session(connection).close(ErrorCode.NO_ERROR.code, reason, Callback.from(written, x -> written.run()));
    }

    /** Resets the streams still open (the drain ran out of time); returns how many. */
    static int cancelStreams(Connection connection) {
        int n = 0;
        for (Stream stream : session(connection).getStreams()) {
            if (!stream.isReset()) {
                stream.reset(new ResetFrame(stream.getId(), ErrorCode.CANCEL_STREAM_ERROR.code), Callback.NOOP);
                n++;
            }
        }
        return n;
    }

    /** Streams the session still holds (created and not yet destroyed). */
    static int streamCount(Connection connection) {
        return session(connection).getStreamCount();
    }

    /** TLS, ALPN (h2, then http/1.1), HTTP/2 and HTTP/1.1, sharing one HTTP configuration. */
    static ConnectionFactory[] h2Factories(SslContextFactory.Server tls, HttpConfiguration config) {
        HttpConnectionFactory http1 = new HttpConnectionFactory(config);
        HTTP2ServerConnectionFactory h2 = new HTTP2ServerConnectionFactory(config);
        ALPNServerConnectionFactory alpn = new ALPNServerConnectionFactory(); // offers the ALPN ids of the factories after it: h2, http/1.1
        alpn.setDefaultProtocol(http1.getProtocol());
        return new ConnectionFactory[] {new SslConnectionFactory(tls, alpn.getProtocol()), alpn, h2, http1};
    }

    /** HTTP/1.1 first, and h2c for prior knowledge and the HTTP/1.1 {@code Upgrade: h2c}. */
    static ConnectionFactory[] h2cFactories(HttpConfiguration config) {
        return new ConnectionFactory[] {new HttpConnectionFactory(config), new HTTP2CServerConnectionFactory(config)};
    }

    private static HTTP2Session session(Connection connection) {
        return ((HTTP2Connection) connection).getSession();
    }
}
