package org.closepolicy.testkit;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import javax.net.ssl.SSLSocketFactory;

/**
 * A raw-socket HTTP/1.x client that behaves like the clients closepolicy has to serve (curl, ab, browsers,
 * stuck or slow peers) and reports what happened on the wire: status, headers, body length and SHA-256, who
 * closed, resets, timings.
 *
 * <p>Every exchange opens a new connection, bounded by a connect timeout, a read timeout on every read and an
 * overall deadline after which the socket is closed from outside.
 * <pre>{@code
 * RawHttpClient curl = RawHttpClient.builder(new InetSocketAddress("127.0.0.1", port))
 *         .path("/weather.xml").connectionClose(true).build();          // closes first, like curl
 * HttpResult r = curl.send();
 *
 * RawHttpClient ab = curl.toBuilder().version(RawHttpClient.Version.HTTP_1_0).connectionClose(false)
 *         .closeStyle(RawHttpClient.CloseStyle.EOF_WAITING).build();     // waits for the server's FIN
 *
 * RawHttpClient.Exchange idle = curl.toBuilder()
 *         .closeStyle(RawHttpClient.CloseStyle.NEVER_CLOSE).build().start();
 * idle.response().join();     // response read; the socket stays open
 * idle.release();             // now close it
 * }</pre>
 *
 * <p>Thread-safety: immutable; {@link #send()}, {@link #pipeline(int)}, {@link #sequence(List)} and {@link #start()}
 * may be called from many threads at once, each call using its own connection.
 */
public final class RawHttpClient {

    /**
     * The protocol version of the request line.
     *
     * <pre>{@code
     * builder.version(RawHttpClient.Version.HTTP_1_0).keepAlive(true);
     * }</pre>
     *
     * <p>Thread-safety: immutable.
     */
    public enum Version {
        /** {@code HTTP/1.0}: one request per connection unless {@code Connection: keep-alive} is sent. */
        HTTP_1_0("HTTP/1.0"),
        /** {@code HTTP/1.1}: persistent unless {@code Connection: close} is sent. */
        HTTP_1_1("HTTP/1.1");

        private final String text;

        Version(String text) {
            this.text = text;
        }

        /** The text of the request line, {@code HTTP/1.x}. */
        public String text() {
            return text;
        }
    }

    /**
     * What the client does with its connection once the response (or the last pipelined response) is read.
     *
     * <pre>{@code
     * builder.closeStyle(RawHttpClient.CloseStyle.CURL_LIKE);
     * }</pre>
     *
     * <p>Thread-safety: immutable.
     */
    public enum CloseStyle {
        /**
         * Reads the response delimited by Content-Length or chunked encoding (or by EOF when it has neither),
         * then closes: the client closes first.
         */
        CURL_LIKE,
        /**
         * Like ApacheBench without keep-alive: after the response, reads until the server's EOF, then closes.
         * Use with {@link Version#HTTP_1_0}.
         */
        EOF_WAITING,
        /**
         * Reads the response, then holds the connection open, reading, until the server closes or resets it,
         * {@link Exchange#release()} is called, or the hold timeout passes; then closes.
         */
        NEVER_CLOSE,
        /** Shuts down its output right after sending the request, then reads the response and closes. */
        HALF_CLOSE_AFTER_REQUEST
    }

    private final ClientSettings settings;

    private RawHttpClient(ClientSettings settings) {
        this.settings = settings;
    }

    /** A builder for requests to {@code target}: GET / over HTTP/1.1, curl-like close, no body. */
    public static Builder builder(InetSocketAddress target) {
        return new Builder(target);
    }

    /** A builder for requests to {@code host:port}. */
    public static Builder builder(String host, int port) {
        return new Builder(new InetSocketAddress(host, port));
    }

    /** A builder holding this client's settings, to derive a variant. */
    public Builder toBuilder() {
        return new Builder(this);
    }

    /** The server address. */
    public InetSocketAddress target() {
        return settings.target;
    }

    /** The close style. */
    public CloseStyle closeStyle() {
        return settings.closeStyle;
    }

    /** Opens a connection, sends one request, reads the response, closes as configured. Never throws for I/O. */
    public HttpResult send() {
        return new Conversation(settings, List.of(settings.path), false).run().get(0);
    }

    /**
     * Sends {@code n} requests back to back on one connection, then reads {@code n} responses in order. With
     * {@code connectionClose(true)} only the last request carries {@code Connection: close}. Always returns
     * {@code n} results; responses that never came have status -1.
     */
    public List<HttpResult> pipeline(int n) {
        if (n < 1) {
            throw new IllegalArgumentException("n must be >= 1, got " + n);
        }
        return new Conversation(settings, Collections.nCopies(n, settings.path), false).run();
    }

    /**
     * Like {@link #pipeline(int)} with one request per path, in order (same method, headers and body each).
     */
    public List<HttpResult> pipeline(List<String> paths) {
        if (paths.isEmpty()) {
            throw new IllegalArgumentException("paths must not be empty");
        }
        for (String p : paths) {
            Builder.requireToken(p, "path");
        }
        return new Conversation(settings, List.copyOf(paths), false).run();
    }

    /**
     * Sends one request per path on one connection, one after another like a keep-alive client (a browser, or
     * curl given several URLs): each request is written once the previous response has been read, never ahead of
     * it. With {@code connectionClose(true)} only the last request carries {@code Connection: close}; after the
     * last response the connection is closed as configured. The body, if any, is written from the calling thread.
     * Always returns {@code paths.size()} results; responses that never came have status -1.
     */
    public List<HttpResult> sequence(List<String> paths) {
        if (paths.isEmpty()) {
            throw new IllegalArgumentException("paths must not be empty");
        }
        for (String p : paths) {
            Builder.requireToken(p, "path");
        }
        return new Conversation(settings, List.copyOf(paths), true).run();
    }

    /**
     * Runs {@link #send()} on a new daemon thread; the handle gives the response as soon as it is read and lets
     * the caller end a {@link CloseStyle#NEVER_CLOSE} hold.
     */
    public Exchange start() {
        Conversation c = new Conversation(settings, List.of(settings.path), false);
        Thread t = new Thread(() -> c.result.complete(c.run().get(0)), "closepolicy-raw-http-client");
        t.setDaemon(true);
        t.start();
        return new Exchange(c);
    }

    /**
     * A running exchange started by {@link RawHttpClient#start()}.
     *
     * <pre>{@code
     * RawHttpClient.Exchange x = client.start();
     * HttpResult response = x.response().get(10, TimeUnit.SECONDS);
     * x.release();
     * HttpResult whole = x.await(Duration.ofSeconds(10));
     * }</pre>
     *
     * <p>Thread-safety: safe from any thread.
     */
    public static final class Exchange {
        private final Conversation conversation;

        private Exchange(Conversation conversation) {
            this.conversation = conversation;
        }

        /**
         * Completes when the response has been read (before any hold or drain), or when the exchange failed
         * first; never completes exceptionally.
         */
        public CompletableFuture<HttpResult> response() {
            return conversation.firstResponse;
        }

        /** Completes when the connection is closed, with the final account; never completes exceptionally. */
        public CompletableFuture<HttpResult> result() {
            return conversation.result;
        }

        /** Ends a hold: closes the socket now. Harmless at any time. */
        public void release() {
            conversation.released = true;
            Conversation.closeQuietly(conversation.socket);
        }

        /**
         * Waits for the final result.
         *
         * @throws TimeoutException if it does not come within {@code timeout}
         */
        public HttpResult await(Duration timeout) throws TimeoutException {
            try {
                return conversation.result.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted", e);
            } catch (ExecutionException e) {
                throw new IllegalStateException(e.getCause());
            }
        }
    }

    /**
     * Configures a {@link RawHttpClient}.
     *
     * <pre>{@code
     * RawHttpClient c = RawHttpClient.builder(addr).method("POST").path("/upload")
     *         .deterministicBody(1_000_000).bodyFromSeparateThread(true).build();
     * }</pre>
     *
     * <p>Thread-safety: not thread-safe; use from one thread, then call {@link #build()}.
     */
    public static final class Builder {
        private final ClientSettings s;

        private Builder(InetSocketAddress target) {
            this.s = new ClientSettings(Objects.requireNonNull(target, "target"));
        }

        private Builder(RawHttpClient c) {
            this.s = c.settings.copy();
        }

        /**
         * Speaks HTTPS through sockets of this factory (default: cleartext): the handshake after the
         * connect, {@code close_notify} before the FIN when the client closes. With
         * {@link CloseStyle#HALF_CLOSE_AFTER_REQUEST} the socket's {@code shutdownOutput} sends {@code close_notify}
         * and then the FIN, and the client reads on: a TLS 1.3 half-close (the JDK's default protocol; a TLS 1.2
         * socket cannot half-close, and its read then fails).
         */
        public Builder tls(SSLSocketFactory factory) {
            s.tls = Objects.requireNonNull(factory, "factory");
            return this;
        }

        /** Request-line version (default HTTP/1.1). */
        public Builder version(Version version) {
            s.version = Objects.requireNonNull(version, "version");
            return this;
        }

        /** For HTTP/1.0: send {@code Connection: keep-alive} (default off). Ignored for HTTP/1.1. */
        public Builder keepAlive(boolean keepAlive) {
            s.keepAlive = keepAlive;
            return this;
        }

        /** Request method (default GET). */
        public Builder method(String method) {
            s.method = requireToken(method, "method");
            return this;
        }

        /** Request target (default {@code /}). */
        public Builder path(String path) {
            s.path = requireToken(path, "path");
            return this;
        }

        /** Adds a header field; a {@code Host}, {@code Connection} or {@code Content-Length} here replaces the default. */
        public Builder header(String name, String value) {
            requireToken(name, "header name");
            Objects.requireNonNull(value, "value");
            if (value.indexOf('\r') >= 0 || value.indexOf('\n') >= 0) {
                throw new IllegalArgumentException("header value must not contain CR or LF");
            }
            s.headers.add(Map.entry(name, value));
            return this;
        }

        /** Request body bytes (sent with {@code Content-Length}). */
        public Builder body(byte[] body) {
            s.body = body.clone();
            s.deterministicBodyLength = -1;
            return this;
        }

        /** A request body of {@code n} {@link DeterministicBytes}, generated while sending. */
        public Builder deterministicBody(long n) {
            if (n < 0) {
                throw new IllegalArgumentException("n must be >= 0, got " + n);
            }
            s.deterministicBodyLength = n;
            s.body = null;
            return this;
        }

        /**
         * Sends the request from a separate thread so that a response the server sends before reading the
         * whole body (an early 413, say) is read while the body is still being written (default off).
         */
        public Builder bodyFromSeparateThread(boolean separate) {
            s.bodyFromSeparateThread = separate;
            return this;
        }

        /** Sends {@code Connection: close} (default off). */
        public Builder connectionClose(boolean close) {
            s.connectionClose = close;
            return this;
        }

        /** SO_RCVBUF set before connecting, in bytes; 0 keeps the system default. */
        public Builder receiveBufferSize(int bytes) {
            if (bytes < 0) {
                throw new IllegalArgumentException("receive buffer must be >= 0, got " + bytes);
            }
            s.receiveBufferSize = bytes;
            return this;
        }

        /** Bytes asked for per socket read (default 64 KB); small values make a slow reader. */
        public Builder readChunk(int bytes) {
            if (bytes < 1) {
                throw new IllegalArgumentException("read chunk must be >= 1, got " + bytes);
            }
            s.readChunk = bytes;
            return this;
        }

        /** Pause after every socket read, to act as a slow reader (default none). */
        public Builder readDelay(Duration delay) {
            s.readDelay = requireNonNegative(delay, "readDelay");
            return this;
        }

        /**
         * Pause once before the first read, to act as a client busy elsewhere while the response waits in the
         * kernel (default none).
         */
        public Builder firstReadDelay(Duration delay) {
            s.firstReadDelay = requireNonNegative(delay, "firstReadDelay");
            return this;
        }

        /**
         * With {@link CloseStyle#HALF_CLOSE_AFTER_REQUEST}: pause between the request and the shutdown of the
         * output (default none), so that the FIN comes after the server handed the response to its kernel.
         */
        public Builder halfCloseDelay(Duration delay) {
            s.halfCloseDelay = requireNonNegative(delay, "halfCloseDelay");
            return this;
        }

        /** What to do with the connection after the response (default {@link CloseStyle#CURL_LIKE}). */
        public Builder closeStyle(CloseStyle style) {
            s.closeStyle = Objects.requireNonNull(style, "style");
            return this;
        }

        /** SO_TIMEOUT for every read (default 10 s). */
        public Builder soTimeout(Duration timeout) {
            s.soTimeout = requirePositive(timeout, "soTimeout");
            return this;
        }

        /** Connect timeout (default 5 s). */
        public Builder connectTimeout(Duration timeout) {
            s.connectTimeout = requirePositive(timeout, "connectTimeout");
            return this;
        }

        /** Bound on the whole exchange; the socket is closed when it passes (default 30 s). */
        public Builder deadline(Duration deadline) {
            s.deadline = requirePositive(deadline, "deadline");
            return this;
        }

        /** How long {@link CloseStyle#NEVER_CLOSE} holds the connection at most (default 10 s). */
        public Builder holdTimeout(Duration timeout) {
            s.holdTimeout = requirePositive(timeout, "holdTimeout");
            return this;
        }

        /** Keep the body bytes in the result (default off: only length and hash). */
        public Builder keepBody(boolean keep) {
            s.keepBody = keep;
            return this;
        }

        /**
         * With several requests on one connection: after a response announcing {@code Connection: close}, read no
         * further response and end the connection as configured, as clients do (RFC 9112 §9.6); the requests
         * after it keep status -1 (default off: read on until the server's EOF).
         */
        public Builder stopAtConnectionClose(boolean stop) {
            s.stopAtConnectionClose = stop;
            return this;
        }

        /** The client. */
        public RawHttpClient build() {
            return new RawHttpClient(s.copy());
        }

        static String requireToken(String s, String what) {
            Objects.requireNonNull(s, what);
            if (s.isEmpty() || s.chars().anyMatch(c -> c <= ' ' || c == 127)) {
                throw new IllegalArgumentException(what + " must be non-empty without spaces or controls: '" + s + "'");
            }
            return s;
        }

        private static Duration requirePositive(Duration d, String what) {
            Objects.requireNonNull(d, what);
            if (d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException(what + " must be positive, got " + d);
            }
            return d;
        }

        private static Duration requireNonNegative(Duration d, String what) {
            Objects.requireNonNull(d, what);
            if (d.isNegative()) {
                throw new IllegalArgumentException(what + " must not be negative, got " + d);
            }
            return d;
        }
    }
}
