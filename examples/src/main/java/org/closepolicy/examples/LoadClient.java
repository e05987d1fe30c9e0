package org.closepolicy.examples;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * The demo's in-process HTTP/1.1 load client over plain blocking sockets, verifying every body.
 * <ul>
 *   <li>{@link Mode#NEW_CONNECTION} behaves like {@code curl} run once per request: connect, send an
 *       HTTP/1.1 request, read the response up to its {@code Content-Length}, close. It does not wait
 *       for the server's FIN, so it closes first whenever the server lets it.</li>
 *   <li>{@link Mode#KEEP_ALIVE} behaves like a pooled client (a browser, an HTTP library): one
 *       connection per worker, reused until the server answers {@code Connection: close}; a request
 *       that finds its reused connection already closed is retried once on a new one, as pooled
 *       clients do; the pool closes its connections at the end.</li>
 * </ul>
 *
 * <p>Thread-safety: one {@link #run} at a time per instance.
 */
final class LoadClient {

    /** How the client uses connections. */
    enum Mode {
        NEW_CONNECTION("new connection per request"),
        KEEP_ALIVE("pooled keep-alive connections");

        final String description;

        Mode(String description) {
            this.description = description;
        }
    }

    /** What one run did. */
    record Result(long requests, long connections, long errors, Map<String, Long> errorKinds, long bytesVerified,
            long retries, long nanos) {

        double seconds() {
            return nanos / 1e9;
        }

        double requestsPerSecond() {
            return nanos == 0 ? 0 : requests * 1e9 / nanos;
        }
    }

    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);
    private static final Duration READ_TIMEOUT = Duration.ofSeconds(10);

    private final InetSocketAddress target;
    private final String path;
    private final byte[] expected;
    private final byte[] request;

    private final AtomicLong tickets = new AtomicLong();
    private final LongAdder done = new LongAdder();
    private final LongAdder connections = new LongAdder();
    private final LongAdder errors = new LongAdder();
    private final LongAdder verified = new LongAdder();
    private final LongAdder retries = new LongAdder();
    private final Map<String, LongAdder> kinds = new ConcurrentHashMap<>();

    LoadClient(InetSocketAddress target, String path, byte[] expected) {
        this.target = target;
        this.path = path;
        this.expected = expected;
        this.request = ("GET " + path + " HTTP/1.1\r\nHost: " + target.getHostString() + ":" + target.getPort()
                + "\r\nUser-Agent: closepolicy-demo\r\nAccept: */*\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
    }

    /** Requests completed so far (successful or not), for progress lines. */
    long completed() {
        return done.sum();
    }

    long errorsSoFar() {
        return errors.sum();
    }

    /**
     * Runs until {@code maxRequests} are done or {@code maxDuration} has passed, whichever is first.
     */
    Result run(Mode mode, int concurrency, long maxRequests, Duration maxDuration) throws InterruptedException {
        tickets.set(maxRequests);
        long start = System.nanoTime();
        long deadline = start + maxDuration.toNanos();
        Thread[] workers = new Thread[concurrency];
        for (int i = 0; i < concurrency; i++) {
            workers[i] = new Thread(() -> work(mode, deadline), "demo-client-" + i);
            workers[i].setDaemon(true);
            workers[i].start();
        }
        for (Thread t : workers) {
            t.join();
        }
        long nanos = System.nanoTime() - start;
        Map<String, Long> k = new TreeMap<>();
        kinds.forEach((name, n) -> k.put(name, n.sum()));
        return new Result(done.sum(), connections.sum(), errors.sum(), k, verified.sum(), retries.sum(), nanos);
    }

    private void work(Mode mode, long deadline) {
        Socket pooled = null;
        byte[] buf = new byte[16 * 1024];
        try {
            while (System.nanoTime() < deadline && tickets.getAndDecrement() > 0) {
                if (mode == Mode.NEW_CONNECTION) {
                    try (Socket s = connect()) {
                        exchange(s, buf);
                    } catch (IOException | ProtocolError e) {
                        fail(e);
                    }
                } else {
                    boolean reused = pooled != null;
                    try {
                        if (pooled == null) {
                            pooled = connect();
                        }
                        boolean keep;
                        try {
                            keep = exchange(pooled, buf);
                        } catch (NothingRead e) {
                            if (!reused) {
                                throw e;
                            }
                            // The server closed the idle pooled connection first: retry once on a new one.
                            retries.increment();
                            closeQuietly(pooled);
                            pooled = connect();
                            keep = exchange(pooled, buf);
                        }
                        if (!keep) {
                            closeQuietly(pooled);
                            pooled = null;
                        }
                    } catch (IOException | ProtocolError e) {
                        fail(e);
                        closeQuietly(pooled);
                        pooled = null;
                    }
                }
                done.increment();
            }
        } finally {
            closeQuietly(pooled);
        }
    }

    private Socket connect() throws IOException {
        Socket s = new Socket();
        try {
            s.setTcpNoDelay(true);
            s.setSoTimeout((int) READ_TIMEOUT.toMillis());
            s.connect(target, (int) CONNECT_TIMEOUT.toMillis());
        } catch (IOException e) {
            closeQuietly(s);
            throw e;
        }
        connections.increment();
        return s;
    }

    /**
     * Sends one request and reads and verifies its response.
     *
     * @return whether the connection may be reused
     */
    private boolean exchange(Socket s, byte[] buf) throws IOException {
        OutputStream out = s.getOutputStream();
        InputStream in = s.getInputStream();
        try {
            out.write(request);
            out.flush();
        } catch (SocketException e) {
            throw new NothingRead("write failed: " + e.getMessage());
        }
        int n = 0;
        int headerEnd = -1;
        while (headerEnd < 0) {
            if (n == buf.length) {
                throw new ProtocolError("response headers too long");
            }
            int r;
            try {
                r = in.read(buf, n, buf.length - n);
            } catch (SocketException e) {
                if (n == 0) {
                    throw new NothingRead("reset before response");
                }
                throw e;
            }
            if (r < 0) {
                if (n == 0) {
                    throw new NothingRead("closed before response");
                }
                throw new ProtocolError("closed inside the response headers");
            }
            n += r;
            headerEnd = indexOfBlankLine(buf, n);
        }
        String head = new String(buf, 0, headerEnd, StandardCharsets.ISO_8859_1);
        int status = status(head);
        long length = -1;
        boolean close = false;
        for (String line : head.split("\r\n")) {
            int colon = line.indexOf(':');
            if (colon <= 0) {
                continue;
            }
            String name = line.substring(0, colon).trim().toLowerCase(Locale.ROOT);
            String value = line.substring(colon + 1).trim();
            if (name.equals("content-length")) {
                length = Long.parseLong(value);
            } else if (name.equals("connection") && value.toLowerCase(Locale.ROOT).contains("close")) {
                close = true;
            } else if (name.equals("transfer-encoding")) {
                throw new ProtocolError("unexpected transfer-encoding " + value);
            }
        }
        if (status != 200) {
            throw new ProtocolError("status " + status);
        }
        if (length != expected.length) {
            throw new ProtocolError("content-length " + length + " instead of " + expected.length);
        }
        int bodyStart = headerEnd + 4;
        int have = n - bodyStart;
        if (have > expected.length) {
            throw new ProtocolError("more bytes than content-length");
        }
        if (!Arrays.equals(buf, bodyStart, n, expected, 0, have)) {
            throw new ProtocolError("body differs");
        }
        int got = have;
        while (got < expected.length) {
            int r = in.read(buf, 0, Math.min(buf.length, expected.length - got));
            if (r < 0) {
                throw new ProtocolError("short body");
            }
            if (!Arrays.equals(buf, 0, r, expected, got, got + r)) {
                throw new ProtocolError("body differs");
            }
            got += r;
        }
        verified.add(got);
        return !close;
    }

    private void fail(Exception e) {
        errors.increment();
        kinds.computeIfAbsent(kind(e), k -> new LongAdder()).increment();
    }

    static String kind(Exception e) {
        if (e instanceof ProtocolError || e instanceof NothingRead) {
            return e.getMessage();
        }
        if (e instanceof ConnectException) {
            return "connect failed";
        }
        if (e instanceof SocketTimeoutException) {
            return "timeout";
        }
        if (e instanceof EOFException) {
            return "short body";
        }
        String m = String.valueOf(e.getMessage()).toLowerCase(Locale.ROOT);
        if (m.contains("reset")) {
            return "connection reset";
        }
        if (m.contains("cannot assign") || m.contains("address")) {
            return "no local port";
        }
        return e.getClass().getSimpleName();
    }

    private static int status(String head) {
        int sp = head.indexOf(' ');
        if (!head.startsWith("HTTP/1.") || sp < 0 || head.length() < sp + 4) {
            throw new ProtocolError("not an HTTP/1.x response");
        }
        try {
            return Integer.parseInt(head.substring(sp + 1, sp + 4));
        } catch (NumberFormatException e) {
            throw new ProtocolError("bad status line");
        }
    }

    private static int indexOfBlankLine(byte[] b, int n) {
        for (int i = 0; i + 3 < n; i++) {
            if (b[i] == '\r' && b[i + 1] == '\n' && b[i + 2] == '\r' && b[i + 3] == '\n') {
                return i;
            }
        }
        return -1;
    }

    private static void closeQuietly(Socket s) {
        if (s != null) {
            try {
                s.close();
            } catch (IOException e) {
                // Closing a socket the peer has reset: nothing left to do.
            }
        }
    }

    /** A response that does not verify. */
    static final class ProtocolError extends RuntimeException {
        ProtocolError(String message) {
            super(message, null, false, false);
        }
    }

    /** The connection ended before any response byte: a reused connection may retry once. */
    static final class NothingRead extends IOException {
        NothingRead(String message) {
            super(message);
        }
    }
}
