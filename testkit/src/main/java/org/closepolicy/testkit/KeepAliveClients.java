package org.closepolicy.testkit;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Keep-alive HTTP/1.1 clients that always have a request in flight (as wrk does): each sends a request, reads
 * the whole response (checked by length and SHA-256 against {@link DeterministicBytes}), and sends the next at
 * once. A response with {@code Connection: close} ends the connection the client-first way (the client closes
 * its socket after reading it); with {@code reconnect} the client then opens a new connection to the same port.
 * No request is ever retried: every failure is counted by its kind.
 * <pre>{@code
 * KeepAliveClients clients = KeepAliveClients.start(server.address(), 50, 1900, true);
 * ... // replace the server
 * KeepAliveClients.Result r = clients.stop(Duration.ofSeconds(10));
 * assertThat(r.failed()).isZero();
 * }</pre>
 *
 * <p>Thread-safety: thread-safe; one daemon thread per connection.
 */
public final class KeepAliveClients {

    /**
     * What the clients saw.
     *
     * @param ok                responses read whole with the right bytes
     * @param corrupt           responses whose length or SHA-256 was wrong
     * @param eofBeforeResponse the server closed before any byte of a response (retryable for idempotent requests)
     * @param reset             a connection reset, or EOF in the middle of a response
     * @param connectFailed     a new connection was refused or failed
     * @param retiredByServer   responses that carried {@code Connection: close}
     */
    public record Result(long ok, long corrupt, long eofBeforeResponse, long reset, long connectFailed, long retiredByServer) {
        /** Requests that did not get their whole response. */
        public long failed() {
            return corrupt + eofBeforeResponse + reset + connectFailed;
        }
    }

    private final InetSocketAddress target;
    private final String path;
    private final int bodyLength;
    private final String expectedSha;
    private final boolean reconnect;
    private final CountDownLatch ended;
    private final List<Thread> threads = new ArrayList<>();
    private final List<Socket> sockets = new ArrayList<>();
    private volatile boolean running = true;
    private final AtomicLong sent = new AtomicLong();
    private final AtomicLong ok = new AtomicLong();
    private final AtomicLong corrupt = new AtomicLong();
    private final AtomicLong eofBeforeResponse = new AtomicLong();
    private final AtomicLong reset = new AtomicLong();
    private final AtomicLong connectFailed = new AtomicLong();
    private final AtomicLong retired = new AtomicLong();

    private KeepAliveClients(InetSocketAddress target, int connections, String path, int bodyLength, boolean reconnect) {
        this.target = target;
        this.path = path;
        this.bodyLength = bodyLength;
        this.expectedSha = DeterministicBytes.sha256Hex(bodyLength);
        this.reconnect = reconnect;
        this.ended = new CountDownLatch(connections);
    }

    /**
     * Starts {@code connections} clients against {@code target}, each expecting bodies of {@code bodyLength}
     * deterministic bytes; with {@code reconnect} a client retired by the server connects again.
     */
    public static KeepAliveClients start(InetSocketAddress target, int connections, int bodyLength, boolean reconnect) {
        return start(target, connections, "/drain", bodyLength, reconnect);
    }

    /** As {@link #start(InetSocketAddress, int, int, boolean)}, requesting {@code path}. */
    public static KeepAliveClients start(InetSocketAddress target, int connections, String path, int bodyLength, boolean reconnect) {
        KeepAliveClients c = new KeepAliveClients(target, connections, path, bodyLength, reconnect);
        for (int i = 0; i < connections; i++) {
            Thread t = new Thread(c::run, "keep-alive-client-" + i);
            t.setDaemon(true);
            c.threads.add(t);
            t.start();
        }
        return c;
    }

    /** Requests sent so far. */
    public long sent() {
        return sent.get();
    }

    /** Responses read whole so far. */
    public long ok() {
        return ok.get();
    }

    /** Whether every client has ended (retired without reconnecting, or failed). */
    public boolean ended() {
        return ended.getCount() == 0;
    }

    /** The counts now. */
    public Result result() {
        return new Result(ok.get(), corrupt.get(), eofBeforeResponse.get(), reset.get(), connectFailed.get(), retired.get());
    }

    /** Waits until every client has ended by itself, at most {@code timeout}; returns the counts. */
    public Result awaitEnd(Duration timeout) throws InterruptedException {
        ended.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
        return result();
    }

    /** Lets each client finish its request in flight and stop, waiting at most {@code timeout}; returns the counts. */
    public Result stop(Duration timeout) throws InterruptedException {
        running = false;
        ended.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
        synchronized (sockets) {
            for (Socket s : sockets) {
                closeQuietly(s);
            }
        }
        return result();
    }

    private void run() {
        try {
            do {
                Socket s = new Socket();
                try {
                    s.connect(target, 5_000);
                    s.setSoTimeout(30_000);
                } catch (IOException e) {
                    connectFailed.incrementAndGet();
                    closeQuietly(s);
                    if (!running) {
                        return;
                    }
                    continue; // a refused connection is counted, then the client tries again like a load tool
                }
                synchronized (sockets) {
                    sockets.add(s);
                }
                try {
                    if (!converse(s)) {
                        return;
                    }
                } finally {
                    closeQuietly(s);
                    synchronized (sockets) {
                        sockets.remove(s);
                    }
                }
            } while (reconnect && running);
        } finally {
            ended.countDown();
        }
    }

    /** Requests until retired; returns whether the connection ended by the server's announcement. */
    private boolean converse(Socket s) {
        byte[] request = ("GET " + path + " HTTP/1.1\r\nHost: " + target.getHostString() + ":" + target.getPort() + "\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII);
        try {
            OutputStream out = s.getOutputStream();
            InputStream in = s.getInputStream();
            while (running) {
                out.write(request);
                out.flush();
                sent.incrementAndGet();
                int first = in.read();
                if (first < 0) {
                    eofBeforeResponse.incrementAndGet();
                    return false;
                }
                String head = (char) first + ResponseHeaders.readHead(in);
                long length = -1;
                boolean close = false;
                for (String line : head.split("\r\n")) {
                    String l = line.toLowerCase(Locale.ROOT);
                    if (l.startsWith("content-length:")) {
                        length = Long.parseLong(l.substring(15).trim());
                    } else if (l.startsWith("connection:") && l.contains("close")) {
                        close = true;
                    }
                }
                if (length != bodyLength || !bodyMatches(in, length)) {
                    corrupt.incrementAndGet();
                    return false;
                }
                ok.incrementAndGet();
                if (close) {
                    retired.incrementAndGet();
                    return true; // the caller closes first: the client keeps the TIME_WAIT
                }
            }
            return false;
        } catch (IOException e) {
            reset.incrementAndGet();
            return false;
        }
    }

    private boolean bodyMatches(InputStream in, long length) throws IOException {
        Sha256 sha = new Sha256();
        byte[] buf = new byte[16 * 1024];
        long left = length;
        while (left > 0) {
            int n = in.read(buf, 0, (int) Math.min(buf.length, left));
            if (n < 0) {
                throw new EOFException("body ended after " + (length - left) + " of " + length + " bytes");
            }
            sha.update(buf, 0, n);
            left -= n;
        }
        return sha.hex().equals(expectedSha);
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException e) {
            // already closed
        }
    }
}
