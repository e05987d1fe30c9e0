package org.closepolicy.testkit;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

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

    private static final int MAX_LINE = 64 * 1024;
    private static final long WRITER_JOIN_MILLIS = 5_000;
    private static final ScheduledThreadPoolExecutor WATCHDOG = newWatchdog();

    private final InetSocketAddress target;
    private final Version version;
    private final boolean keepAlive;
    private final String method;
    private final String path;
    private final List<Map.Entry<String, String>> headers;
    private final byte[] body;
    private final long deterministicBodyLength;
    private final boolean bodyFromSeparateThread;
    private final boolean connectionClose;
    private final int receiveBufferSize;
    private final int readChunk;
    private final long readDelayNanos;
    private final CloseStyle closeStyle;
    private final int soTimeoutMillis;
    private final int connectTimeoutMillis;
    private final long deadlineNanos;
    private final long holdNanos;
    private final boolean keepBody;
    private final boolean stopAtConnectionClose;
    private final SSLSocketFactory tls;

    private RawHttpClient(Builder b) {
        this.target = b.target;
        this.version = b.version;
        this.keepAlive = b.keepAlive;
        this.method = b.method;
        this.path = b.path;
        this.headers = List.copyOf(b.headers);
        this.body = b.body;
        this.deterministicBodyLength = b.deterministicBodyLength;
        this.bodyFromSeparateThread = b.bodyFromSeparateThread;
        this.connectionClose = b.connectionClose;
        this.receiveBufferSize = b.receiveBufferSize;
        this.readChunk = b.readChunk;
        this.readDelayNanos = b.readDelay.toNanos();
        this.closeStyle = b.closeStyle;
        this.soTimeoutMillis = toMillis(b.soTimeout);
        this.connectTimeoutMillis = toMillis(b.connectTimeout);
        this.deadlineNanos = b.deadline.toNanos();
        this.holdNanos = b.holdTimeout.toNanos();
        this.keepBody = b.keepBody;
        this.stopAtConnectionClose = b.stopAtConnectionClose;
        this.tls = b.tls;
    }

    private static int toMillis(Duration d) {
        return (int) Math.max(1, Math.min(Integer.MAX_VALUE, d.toMillis()));
    }

    private static ScheduledThreadPoolExecutor newWatchdog() {
        ScheduledThreadPoolExecutor e = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "closepolicy-testkit-watchdog");
            t.setDaemon(true);
            return t;
        });
        e.setRemoveOnCancelPolicy(true);
        return e;
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
        return target;
    }

    /** The close style. */
    public CloseStyle closeStyle() {
        return closeStyle;
    }

    /** Opens a connection, sends one request, reads the response, closes as configured. Never throws for I/O. */
    public HttpResult send() {
        return new Conversation(List.of(path), false).run().get(0);
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
        return new Conversation(Collections.nCopies(n, path), false).run();
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
        return new Conversation(List.copyOf(paths), false).run();
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
        return new Conversation(List.copyOf(paths), true).run();
    }

    /**
     * Runs {@link #send()} on a new daemon thread; the handle gives the response as soon as it is read and lets
     * the caller end a {@link CloseStyle#NEVER_CLOSE} hold.
     */
    public Exchange start() {
        Conversation c = new Conversation(List.of(path), false);
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
            closeQuietly(conversation.socket);
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

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException ignored) {
            // closing is best effort
        }
    }

    private static boolean isReset(IOException e) {
        String m = String.valueOf(e.getMessage()).toLowerCase(Locale.ROOT);
        return m.contains("reset") || m.contains("broken pipe");
    }

    private byte[] requestHead(String requestPath, boolean last) {
        StringBuilder sb = new StringBuilder(256);
        sb.append(method).append(' ').append(requestPath).append(' ').append(version.text()).append("\r\n");
        if (!hasHeader("Host")) {
            String host = target.getHostString();
            sb.append("Host: ").append(host.indexOf(':') >= 0 ? "[" + host + "]" : host)
                    .append(':').append(target.getPort()).append("\r\n");
        }
        if (!hasHeader("User-Agent")) {
            sb.append("User-Agent: closepolicy-testkit\r\n");
        }
        if (!hasHeader("Connection")) {
            if (connectionClose && last) {
                sb.append("Connection: close\r\n");
            } else if (version == Version.HTTP_1_0 && keepAlive) {
                sb.append("Connection: keep-alive\r\n");
            }
        }
        long bodyLength = bodyLength();
        if (bodyLength >= 0 && !hasHeader("Content-Length") && !hasHeader("Transfer-Encoding")) {
            sb.append("Content-Length: ").append(bodyLength).append("\r\n");
        }
        for (Map.Entry<String, String> h : headers) {
            sb.append(h.getKey()).append(": ").append(h.getValue()).append("\r\n");
        }
        sb.append("\r\n");
        return sb.toString().getBytes(StandardCharsets.ISO_8859_1);
    }

    private long bodyLength() {
        return body != null ? body.length : deterministicBodyLength;
    }

    private boolean hasHeader(String name) {
        for (Map.Entry<String, String> h : headers) {
            if (h.getKey().equalsIgnoreCase(name)) {
                return true;
            }
        }
        return false;
    }

    /** One connection: writes the requests, reads the responses, closes as configured. */
    private final class Conversation {
        final List<String> paths;
        final int requests;
        final boolean sequential;
        final long t0 = System.nanoTime();
        final Socket socket = new Socket();
        // The socket requests and responses go through: the TCP socket, or TLS layered over it.
        volatile Socket io = socket;
        final CompletableFuture<HttpResult> firstResponse = new CompletableFuture<>();
        final CompletableFuture<HttpResult> result = new CompletableFuture<>();
        final List<Partial> partials = new ArrayList<>();
        volatile boolean released;
        volatile boolean deadlineHit;
        volatile long sent;
        volatile String requestError;
        volatile boolean resetSeen;
        boolean serverClosed;
        long trailing;
        String error;
        long errorAt = -1;
        InetSocketAddress local;
        Reader reader;

        Conversation(List<String> paths, boolean sequential) {
            this.paths = paths;
            this.requests = paths.size();
            this.sequential = sequential;
        }

        List<HttpResult> run() {
            ScheduledFuture<?> dog = WATCHDOG.schedule(() -> {
                deadlineHit = true;
                closeQuietly(socket);
            }, deadlineNanos, TimeUnit.NANOSECONDS);
            Thread writer = null;
            try {
                if (receiveBufferSize > 0) {
                    socket.setReceiveBufferSize(receiveBufferSize);
                }
                socket.setSoTimeout(soTimeoutMillis);
                socket.setTcpNoDelay(true);
                socket.connect(target, connectTimeoutMillis);
                local = (InetSocketAddress) socket.getLocalSocketAddress();
                if (tls != null) {
                    SSLSocket ssl = (SSLSocket) tls.createSocket(socket, target.getHostString(), target.getPort(), true);
                    io = ssl;
                    ssl.startHandshake();
                }
                if (sequential) {
                    // each request is written in the loop below, after the response before it
                } else if (bodyFromSeparateThread) {
                    writer = new Thread(() -> writeRequests(0, requests), "closepolicy-raw-http-writer");
                    writer.setDaemon(true);
                    writer.start();
                } else {
                    writeRequests(0, requests);
                }
                Reader in = new Reader(io.getInputStream());
                reader = in;
                boolean head = "HEAD".equalsIgnoreCase(method);
                for (int i = 0; i < requests; i++) {
                    if (sequential) {
                        writeRequests(i, i + 1);
                        if (requestError != null) {
                            break;
                        }
                    }
                    Partial p = new Partial();
                    partials.add(p);
                    readResponse(in, p, head);
                    p.endNanos = System.nanoTime() - t0;
                    if (i == 0) {
                        firstResponse.complete(toResult(p, p.endNanos));
                    }
                    if (!p.complete || (stopAtConnectionClose && announcesClose(p))) {
                        break;
                    }
                }
                afterResponses(in);
            } catch (IOException e) {
                recordError(e);
            } catch (RuntimeException e) {
                recordError(new IOException("client failure: " + e, e));
            } finally {
                dog.cancel(false);
                closeQuietly(io); // over TLS: close_notify, then the FIN, as curl closes
                joinWriter(writer);
                if (reader != null && reader.eof) {
                    serverClosed = true;
                }
            }
            long end = System.nanoTime() - t0;
            List<HttpResult> out = new ArrayList<>(requests);
            for (int i = 0; i < requests; i++) {
                Partial p = i < partials.size() ? partials.get(i) : new Partial();
                out.add(toResult(p, i == requests - 1 || p.endNanos < 0 ? end : p.endNanos));
            }
            firstResponse.complete(out.get(0));
            return Collections.unmodifiableList(out);
        }

        private boolean announcesClose(Partial p) {
            return p.headers != null && p.headers.first("Connection").map("close"::equalsIgnoreCase).orElse(false);
        }

        private void joinWriter(Thread writer) {
            if (writer == null) {
                return;
            }
            try {
                writer.join(WRITER_JOIN_MILLIS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        /** Writes requests {@code from} (inclusive) to {@code to} (exclusive); a failure is kept in requestError. */
        private void writeRequests(int from, int to) {
            try {
                OutputStream out = io.getOutputStream();
                for (int i = from; i < to; i++) {
                    byte[] h = requestHead(paths.get(i), i == requests - 1);
                    out.write(h);
                    sent += h.length;
                    if (body != null) {
                        for (int off = 0; off < body.length; ) {
                            int k = Math.min(64 * 1024, body.length - off);
                            out.write(body, off, k);
                            off += k;
                            sent += k;
                        }
                    } else if (deterministicBodyLength > 0) {
                        byte[] buf = new byte[(int) Math.min(64 * 1024, deterministicBodyLength)];
                        for (long pos = 0; pos < deterministicBodyLength; ) {
                            int k = (int) Math.min(buf.length, deterministicBodyLength - pos);
                            DeterministicBytes.fill(buf, 0, k, pos);
                            out.write(buf, 0, k);
                            pos += k;
                            sent += k;
                        }
                    }
                }
                out.flush();
                if (closeStyle == CloseStyle.HALF_CLOSE_AFTER_REQUEST && to == requests) {
                    socket.shutdownOutput();
                }
            } catch (IOException e) {
                requestError = e.toString();
                if (isReset(e)) {
                    resetSeen = true;
                }
            }
        }

        private void afterResponses(Reader in) throws IOException {
            Partial last = partials.get(partials.size() - 1);
            if (!last.complete || in.eof) {
                return;
            }
            if (closeStyle == CloseStyle.EOF_WAITING) {
                trailing += in.drain(Long.MAX_VALUE);
            } else if (closeStyle == CloseStyle.NEVER_CLOSE) {
                hold(in);
            }
        }

        private void hold(Reader in) throws IOException {
            long holdEnd = System.nanoTime() + holdNanos;
            try {
                while (!released && !in.eof) {
                    long left = holdEnd - System.nanoTime();
                    if (left <= 0) {
                        return;
                    }
                    socket.setSoTimeout((int) Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
                    try {
                        trailing += in.drain(1);
                    } catch (SocketTimeoutException e) {
                        return; // hold over
                    }
                }
            } catch (SocketException e) {
                if (!released) {
                    throw e;
                }
            } finally {
                if (in.eof) {
                    serverClosed = true;
                }
            }
        }

        private void recordError(IOException e) {
            if (released && e instanceof SocketException && !isReset(e)) {
                return; // our own release closed the socket
            }
            if (error != null) {
                return;
            }
            errorAt = System.nanoTime() - t0;
            if (deadlineHit) {
                error = "deadline of " + TimeUnit.NANOSECONDS.toMillis(deadlineNanos) + " ms exceeded";
            } else {
                error = e.toString();
                if (isReset(e)) {
                    resetSeen = true;
                }
            }
        }

        private HttpResult toResult(Partial p, long elapsed) {
            return new HttpResult(p.status, p.reason, p.version, p.headers, p.framing, p.bodyLength,
                    p.sha.hex(), p.body == null ? null : p.body.toByteArray(), p.complete, serverClosed,
                    resetSeen, error, errorAt, sent, requestError, trailing, local, elapsed);
        }

        /** Reads one response (skipping 1xx interim responses) into {@code p}. */
        private void readResponse(Reader in, Partial p, boolean head) throws IOException {
            while (true) {
                String line = in.readLine();
                while (line != null && line.isEmpty()) {
                    line = in.readLine(); // tolerate blank lines before a status line
                }
                if (line == null) {
                    serverClosed = true;
                    return;
                }
                parseStatusLine(line, p);
                List<Map.Entry<String, String>> fields = new ArrayList<>();
                while (true) {
                    String h = in.readLine();
                    if (h == null) {
                        serverClosed = true;
                        p.headers = ResponseHeaders.of(fields);
                        return;
                    }
                    if (h.isEmpty()) {
                        break;
                    }
                    int colon = h.indexOf(':');
                    if (colon <= 0) {
                        throw new IOException("malformed header line: " + h);
                    }
                    fields.add(Map.entry(h.substring(0, colon).trim(), h.substring(colon + 1).trim()));
                }
                p.headers = ResponseHeaders.of(fields);
                if (p.status >= 100 && p.status < 200 && p.status != 101) {
                    continue; // interim response
                }
                break;
            }
            if (head || (p.status >= 100 && p.status < 200) || p.status == 204 || p.status == 304) {
                p.framing = HttpResult.Framing.NONE;
                p.complete = true;
            } else if (p.headers.hasToken("Transfer-Encoding", "chunked")) {
                p.framing = HttpResult.Framing.CHUNKED;
                readChunked(in, p);
            } else if (p.headers.contains("Content-Length")) {
                p.framing = HttpResult.Framing.CONTENT_LENGTH;
                long n;
                try {
                    n = Long.parseLong(p.headers.first("Content-Length").orElseThrow().trim());
                } catch (NumberFormatException e) {
                    throw new IOException("bad Content-Length: " + p.headers.first("Content-Length").orElse(""));
                }
                p.complete = in.copy(n, p) == n;
            } else {
                p.framing = HttpResult.Framing.EOF;
                in.copy(Long.MAX_VALUE, p);
                p.complete = in.eof;
            }
            if (in.eof) {
                serverClosed = true;
            }
        }

        private void parseStatusLine(String line, Partial p) throws IOException {
            if (!line.startsWith("HTTP/")) {
                throw new IOException("not an HTTP status line: " + abbreviate(line));
            }
            int sp1 = line.indexOf(' ');
            if (sp1 < 0 || line.length() < sp1 + 4) {
                throw new IOException("malformed status line: " + abbreviate(line));
            }
            int sp2 = line.indexOf(' ', sp1 + 1);
            try {
                p.version = line.substring(0, sp1);
                p.status = Integer.parseInt(line.substring(sp1 + 1, sp2 < 0 ? line.length() : sp2));
                p.reason = sp2 < 0 ? "" : line.substring(sp2 + 1);
            } catch (NumberFormatException e) {
                throw new IOException("malformed status line: " + abbreviate(line));
            }
        }

        private void readChunked(Reader in, Partial p) throws IOException {
            while (true) {
                String sizeLine = in.readLine();
                if (sizeLine == null) {
                    return;
                }
                int semi = sizeLine.indexOf(';');
                String hex = (semi >= 0 ? sizeLine.substring(0, semi) : sizeLine).trim();
                long size;
                try {
                    size = Long.parseLong(hex, 16);
                } catch (NumberFormatException e) {
                    throw new IOException("bad chunk size line: " + abbreviate(sizeLine));
                }
                if (size < 0) {
                    throw new IOException("bad chunk size line: " + abbreviate(sizeLine));
                }
                if (size == 0) {
                    while (true) { // trailers
                        String t = in.readLine();
                        if (t == null) {
                            return;
                        }
                        if (t.isEmpty()) {
                            p.complete = true;
                            return;
                        }
                    }
                }
                if (in.copy(size, p) < size) {
                    return;
                }
                String crlf = in.readLine();
                if (crlf == null) {
                    return;
                }
                if (!crlf.isEmpty()) {
                    throw new IOException("missing CRLF after chunk");
                }
            }
        }
    }

    private static String abbreviate(String s) {
        return s.length() <= 80 ? s : s.substring(0, 80) + "...";
    }

    /** What has been read of one response so far. */
    private final class Partial {
        int status = -1;
        String reason = "";
        String version = "";
        ResponseHeaders headers = ResponseHeaders.empty();
        HttpResult.Framing framing = HttpResult.Framing.UNKNOWN;
        long bodyLength;
        final Sha256 sha = new Sha256();
        final ByteArrayOutputStream body = keepBody ? new ByteArrayOutputStream() : null;
        boolean complete;
        long endNanos = -1;

        void accept(byte[] b, int off, int len) {
            sha.update(b, off, len);
            bodyLength += len;
            if (body != null) {
                body.write(b, off, len);
            }
        }
    }

    /** Buffered socket input with the slow-reader behaviour (read size, delay after each read). */
    private final class Reader {
        private final InputStream in;
        private final byte[] buf = new byte[readChunk];
        private int pos;
        private int lim;
        boolean eof;

        Reader(InputStream in) {
            this.in = in;
        }

        private boolean fill() throws IOException {
            if (eof) {
                return false;
            }
            int n = in.read(buf, 0, buf.length);
            if (n < 0) {
                eof = true;
                return false;
            }
            pos = 0;
            lim = n;
            if (readDelayNanos > 0) {
                try {
                    TimeUnit.NANOSECONDS.sleep(readDelayNanos); // the slow reader being simulated
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new InterruptedIOException("interrupted while pacing reads");
                }
            }
            return true;
        }

        /** A line without its CR LF; {@code null} at EOF before any byte of it. */
        String readLine() throws IOException {
            StringBuilder sb = null;
            while (true) {
                if (pos == lim && !fill()) {
                    if (sb == null) {
                        return null;
                    }
                    throw new IOException("EOF inside a line: " + abbreviate(sb.toString()));
                }
                int start = pos;
                while (pos < lim && buf[pos] != '\n') {
                    pos++;
                }
                if (sb == null) {
                    sb = new StringBuilder();
                }
                sb.append(new String(buf, start, pos - start, StandardCharsets.ISO_8859_1));
                if (sb.length() > MAX_LINE) {
                    throw new IOException("line longer than " + MAX_LINE + " bytes");
                }
                if (pos < lim) {
                    pos++; // '\n'
                    int len = sb.length();
                    if (len > 0 && sb.charAt(len - 1) == '\r') {
                        sb.setLength(len - 1);
                    }
                    return sb.toString();
                }
            }
        }

        /** Copies up to {@code n} body bytes into {@code p}; returns how many (fewer only at EOF). */
        long copy(long n, Partial p) throws IOException {
            long done = 0;
            while (done < n) {
                if (pos == lim && !fill()) {
                    break;
                }
                int k = (int) Math.min(lim - pos, n - done);
                p.accept(buf, pos, k);
                pos += k;
                done += k;
            }
            return done;
        }

        /** Reads and discards until EOF or {@code max} bytes; returns the count. */
        long drain(long max) throws IOException {
            long done = 0;
            while (done < max) {
                if (pos == lim && !fill()) {
                    break;
                }
                int k = (int) Math.min(lim - pos, max - done);
                pos += k;
                done += k;
            }
            return done;
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
        private final InetSocketAddress target;
        private Version version = Version.HTTP_1_1;
        private boolean keepAlive;
        private String method = "GET";
        private String path = "/";
        private final List<Map.Entry<String, String>> headers = new ArrayList<>();
        private byte[] body;
        private long deterministicBodyLength = -1;
        private boolean bodyFromSeparateThread;
        private boolean connectionClose;
        private int receiveBufferSize;
        private int readChunk = 64 * 1024;
        private Duration readDelay = Duration.ZERO;
        private CloseStyle closeStyle = CloseStyle.CURL_LIKE;
        private Duration soTimeout = Duration.ofSeconds(10);
        private Duration connectTimeout = Duration.ofSeconds(5);
        private Duration deadline = Duration.ofSeconds(30);
        private Duration holdTimeout = Duration.ofSeconds(10);
        private boolean keepBody;
        private boolean stopAtConnectionClose;
        private SSLSocketFactory tls;

        private Builder(InetSocketAddress target) {
            this.target = Objects.requireNonNull(target, "target");
        }

        private Builder(RawHttpClient c) {
            this.target = c.target;
            this.version = c.version;
            this.keepAlive = c.keepAlive;
            this.method = c.method;
            this.path = c.path;
            this.headers.addAll(c.headers);
            this.body = c.body;
            this.deterministicBodyLength = c.deterministicBodyLength;
            this.bodyFromSeparateThread = c.bodyFromSeparateThread;
            this.connectionClose = c.connectionClose;
            this.receiveBufferSize = c.receiveBufferSize;
            this.readChunk = c.readChunk;
            this.readDelay = Duration.ofNanos(c.readDelayNanos);
            this.closeStyle = c.closeStyle;
            this.soTimeout = Duration.ofMillis(c.soTimeoutMillis);
            this.connectTimeout = Duration.ofMillis(c.connectTimeoutMillis);
            this.deadline = Duration.ofNanos(c.deadlineNanos);
            this.holdTimeout = Duration.ofNanos(c.holdNanos);
            this.keepBody = c.keepBody;
            this.stopAtConnectionClose = c.stopAtConnectionClose;
            this.tls = c.tls;
        }

        /**
         * Speaks HTTPS through sockets of this factory (default: cleartext): the handshake after the
         * connect, {@code close_notify} before the FIN when the client closes. Not with
         * {@link CloseStyle#HALF_CLOSE_AFTER_REQUEST} (TLS sockets cannot half-close).
         */
        public Builder tls(SSLSocketFactory factory) {
            this.tls = Objects.requireNonNull(factory, "factory");
            return this;
        }

        /** Request-line version (default HTTP/1.1). */
        public Builder version(Version version) {
            this.version = Objects.requireNonNull(version, "version");
            return this;
        }

        /** For HTTP/1.0: send {@code Connection: keep-alive} (default off). Ignored for HTTP/1.1. */
        public Builder keepAlive(boolean keepAlive) {
            this.keepAlive = keepAlive;
            return this;
        }

        /** Request method (default GET). */
        public Builder method(String method) {
            this.method = requireToken(method, "method");
            return this;
        }

        /** Request target (default {@code /}). */
        public Builder path(String path) {
            this.path = requireToken(path, "path");
            return this;
        }

        /** Adds a header field; a {@code Host}, {@code Connection} or {@code Content-Length} here replaces the default. */
        public Builder header(String name, String value) {
            requireToken(name, "header name");
            Objects.requireNonNull(value, "value");
            if (value.indexOf('\r') >= 0 || value.indexOf('\n') >= 0) {
                throw new IllegalArgumentException("header value must not contain CR or LF");
            }
            headers.add(Map.entry(name, value));
            return this;
        }

        /** Request body bytes (sent with {@code Content-Length}). */
        public Builder body(byte[] body) {
            this.body = body.clone();
            this.deterministicBodyLength = -1;
            return this;
        }

        /** A request body of {@code n} {@link DeterministicBytes}, generated while sending. */
        public Builder deterministicBody(long n) {
            if (n < 0) {
                throw new IllegalArgumentException("n must be >= 0, got " + n);
            }
            this.deterministicBodyLength = n;
            this.body = null;
            return this;
        }

        /**
         * Sends the request from a separate thread so that a response the server sends before reading the
         * whole body (an early 413, say) is read while the body is still being written (default off).
         */
        public Builder bodyFromSeparateThread(boolean separate) {
            this.bodyFromSeparateThread = separate;
            return this;
        }

        /** Sends {@code Connection: close} (default off). */
        public Builder connectionClose(boolean close) {
            this.connectionClose = close;
            return this;
        }

        /** SO_RCVBUF set before connecting, in bytes; 0 keeps the system default. */
        public Builder receiveBufferSize(int bytes) {
            if (bytes < 0) {
                throw new IllegalArgumentException("receive buffer must be >= 0, got " + bytes);
            }
            this.receiveBufferSize = bytes;
            return this;
        }

        /** Bytes asked for per socket read (default 64 KB); small values make a slow reader. */
        public Builder readChunk(int bytes) {
            if (bytes < 1) {
                throw new IllegalArgumentException("read chunk must be >= 1, got " + bytes);
            }
            this.readChunk = bytes;
            return this;
        }

        /** Pause after every socket read, to act as a slow reader (default none). */
        public Builder readDelay(Duration delay) {
            this.readDelay = requireNonNegative(delay, "readDelay");
            return this;
        }

        /** What to do with the connection after the response (default {@link CloseStyle#CURL_LIKE}). */
        public Builder closeStyle(CloseStyle style) {
            this.closeStyle = Objects.requireNonNull(style, "style");
            return this;
        }

        /** SO_TIMEOUT for every read (default 10 s). */
        public Builder soTimeout(Duration timeout) {
            this.soTimeout = requirePositive(timeout, "soTimeout");
            return this;
        }

        /** Connect timeout (default 5 s). */
        public Builder connectTimeout(Duration timeout) {
            this.connectTimeout = requirePositive(timeout, "connectTimeout");
            return this;
        }

        /** Bound on the whole exchange; the socket is closed when it passes (default 30 s). */
        public Builder deadline(Duration deadline) {
            this.deadline = requirePositive(deadline, "deadline");
            return this;
        }

        /** How long {@link CloseStyle#NEVER_CLOSE} holds the connection at most (default 10 s). */
        public Builder holdTimeout(Duration timeout) {
            this.holdTimeout = requirePositive(timeout, "holdTimeout");
            return this;
        }

        /** Keep the body bytes in the result (default off: only length and hash). */
        public Builder keepBody(boolean keep) {
            this.keepBody = keep;
            return this;
        }

        /**
         * With several requests on one connection: after a response announcing {@code Connection: close}, read no
         * further response and end the connection as configured, as clients do (RFC 9112 §9.6); the requests
         * after it keep status -1 (default off: read on until the server's EOF).
         */
        public Builder stopAtConnectionClose(boolean stop) {
            this.stopAtConnectionClose = stop;
            return this;
        }

        /** The client. */
        public RawHttpClient build() {
            if (tls != null && closeStyle == CloseStyle.HALF_CLOSE_AFTER_REQUEST) {
                throw new IllegalArgumentException("a TLS client cannot half-close: closeStyle " + closeStyle);
            }
            return new RawHttpClient(this);
        }

        private static String requireToken(String s, String what) {
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
