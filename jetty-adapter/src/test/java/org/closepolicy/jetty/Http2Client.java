package org.closepolicy.jetty;

import java.net.InetSocketAddress;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpURI;
import org.eclipse.jetty.http.HttpVersion;
import org.eclipse.jetty.http.MetaData;
import org.eclipse.jetty.http2.api.Session;
import org.eclipse.jetty.http2.api.Stream;
import org.eclipse.jetty.http2.frames.GoAwayFrame;
import org.eclipse.jetty.http2.frames.HeadersFrame;
import org.eclipse.jetty.http2.frames.ResetFrame;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.Promise;
import org.eclipse.jetty.util.ssl.SslContextFactory;

/**
 * Jetty's low-level HTTP/2 client, which keeps streams up to a {@code GOAWAY}'s last stream id
 * running (RFC 9113 section 6.8), as a test client: one session per {@link #connect}, responses as
 * futures of their status, length and SHA-256.
 */
final class Http2Client implements AutoCloseable {

    /** A response as the client saw it: its status and body, or how it ended early. */
    record Response(int status, long length, String sha256, int resetError) {
    }

    /** One connection. */
    static final class Connection {
        final Session session;
        final CompletableFuture<GoAwayFrame> goAway;
        final CompletableFuture<Void> closed;
        final AtomicInteger goAways;

        Connection(Session session, CompletableFuture<GoAwayFrame> goAway, CompletableFuture<Void> closed, AtomicInteger goAways) {
            this.session = session;
            this.goAway = goAway;
            this.closed = closed;
            this.goAways = goAways;
        }

        /** Sends a GET; the future completes with the whole response, or with its reset. */
        CompletableFuture<Response> get(String scheme, int port, String path) {
            CompletableFuture<Response> result = new CompletableFuture<>();
            MetaData.Request request = new MetaData.Request("GET", HttpURI.from(scheme + "://127.0.0.1:" + port + path),
                    HttpVersion.HTTP_2, HttpFields.EMPTY);
            session.newStream(new HeadersFrame(request, null, true), Promise.from(s -> { }, result::completeExceptionally),
                    new Stream.Listener() {
                        private final MessageDigest sha = sha256();
                        private int status;
                        private long length;

                        @Override
                        public void onHeaders(Stream stream, HeadersFrame frame) {
                            if (frame.getMetaData() instanceof MetaData.Response r) {
                                status = r.getStatus();
                            }
                            if (frame.isEndStream()) {
                                done();
                            } else {
                                stream.demand();
                            }
                        }

                        @Override
                        public void onDataAvailable(Stream stream) {
                            Stream.Data data = stream.readData();
                            if (data == null) {
                                stream.demand();
                                return;
                            }
                            length += data.frame().remaining();
                            sha.update(data.frame().getByteBuffer());
                            boolean last = data.frame().isEndStream();
                            data.release();
                            if (last) {
                                done();
                            } else {
                                stream.demand();
                            }
                        }

                        private void done() {
                            result.complete(new Response(status, length, HexFormat.of().formatHex(sha.digest()), -1));
                        }

                        @Override
                        public void onReset(Stream stream, ResetFrame frame, Callback callback) {
                            result.complete(new Response(status, length, null, frame.getError()));
                            callback.succeeded();
                        }

                        @Override
                        public void onFailure(Stream stream, int error, String reason, Throwable failure, Callback callback) {
                            result.completeExceptionally(failure);
                            callback.succeeded();
                        }
                    });
            return result;
        }
    }

    private final org.eclipse.jetty.http2.client.HTTP2Client client = new org.eclipse.jetty.http2.client.HTTP2Client();
    private final SslContextFactory.Client tls;

    /** A started client; with TLS when {@code fixture} is {@link Http2Fixture#H2}. */
    Http2Client(Http2Fixture fixture) throws Exception {
        if (fixture == Http2Fixture.H2) {
            tls = new SslContextFactory.Client();
            tls.setSslContext(SelfSignedTls.get().client());
            client.addBean(tls);
        } else {
            tls = null;
        }
        client.start();
    }

    /** Opens a session (h2 through ALPN, or h2c with prior knowledge). */
    Connection connect(InetSocketAddress address) throws Exception {
        CompletableFuture<GoAwayFrame> goAway = new CompletableFuture<>();
        CompletableFuture<Void> closed = new CompletableFuture<>();
        AtomicInteger goAways = new AtomicInteger();
        Session.Listener listener = new Session.Listener() {
            @Override
            public void onGoAway(Session session, GoAwayFrame frame) {
                goAways.incrementAndGet();
                goAway.complete(frame);
            }

            @Override
            public void onClose(Session session, GoAwayFrame frame, Callback callback) {
                closed.complete(null);
                callback.succeeded();
            }
        };
        Session session = (tls == null ? client.connect(address, listener) : client.connect(tls, address, listener)).get(20, TimeUnit.SECONDS);
        return new Connection(session, goAway, closed, goAways);
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() throws Exception {
        client.stop();
    }
}
