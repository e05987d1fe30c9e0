package org.closepolicy.examples;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.Locale;
import java.util.concurrent.ConcurrentLinkedDeque;

/**
 * A keep-alive HTTP/1.1 connection pool without retries, as a plain application pool does it: threads take the
 * connection used last (LIFO), check that it is not closed yet (a non-blocking read: EOF or a reset means the
 * server closed it, so it is dropped, as HttpClient pools do before reuse), send one request and read the whole
 * response. A response with {@code Connection: close} makes the client close the connection first. Every failure
 * is counted by its kind and never retried, so the counts are what an application without retries would see.
 *
 * <p>With no think time every thread always has a request in flight (as wrk does); with a think time a thread
 * waits up to that long between requests, so pooled connections sit idle and can meet the server's idle close.
 *
 * <p>Thread-safety: thread-safe.
 */
final class RawPoolClients extends PacedClients {

    private final String name;
    private final ConcurrentLinkedDeque<SocketChannel> pool = new ConcurrentLinkedDeque<>();
    private final byte[] expected = WeatherXml.shared();
    private InetSocketAddress target;
    private byte[] request;

    RawPoolClients(String name, Duration thinkMax) {
        super(thinkMax);
        this.name = name;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public void start(InetSocketAddress target, int threadCount) {
        this.target = target;
        this.request = ("GET " + Endpoints.WEATHER + " HTTP/1.1\r\nHost: " + target.getHostString() + ":" + target.getPort()
                + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
        startThreads(name, threadCount);
    }

    @Override
    void afterStop() {
        for (SocketChannel ch; (ch = pool.poll()) != null; ) {
            closeQuietly(ch);
        }
    }

    @Override
    void requestOnce() {
        SocketChannel ch = take();
        if (ch == null) {
            return;
        }
        if (exchange(ch) && running()) {
            pool.push(ch);
        } else {
            closeQuietly(ch); // after Connection: close the client closes first: its side keeps the TIME_WAIT
        }
    }

    /** The connection used last that is still open, or a new one; null when connecting failed (counted). */
    private SocketChannel take() {
        for (SocketChannel ch; (ch = pool.poll()) != null; ) {
            if (stillOpen(ch)) {
                return ch;
            }
            closeQuietly(ch);
        }
        SocketChannel ch = null;
        try {
            ch = SocketChannel.open();
            ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
            ch.socket().connect(target, 5_000);
            ch.socket().setSoTimeout(10_000);
            return ch;
        } catch (IOException e) {
            failures.connect.increment();
            if (ch != null) {
                closeQuietly(ch);
            }
            return null;
        }
    }

    /** A non-blocking read on an idle connection: nothing to read means it is still open. */
    private static boolean stillOpen(SocketChannel ch) {
        try {
            ch.configureBlocking(false);
            int n = ch.read(ByteBuffer.allocate(1));
            ch.configureBlocking(true);
            return n == 0;
        } catch (IOException e) {
            return false;
        }
    }

    /** One request and its response; returns whether the connection may be used again. */
    private boolean exchange(SocketChannel ch) {
        failures.sent.increment();
        int got = 0;
        try {
            ch.write(ByteBuffer.wrap(request));
            ByteBuffer buf = ByteBuffer.allocate(8192);
            int headEnd;
            while ((headEnd = headEnd(buf)) < 0) {
                int n = ch.socket().getInputStream().read(buf.array(), buf.position(), buf.remaining());
                if (n < 0) {
                    (got == 0 ? failures.eofBeforeResponse : failures.midResponse).increment();
                    return false;
                }
                got += n;
                buf.position(buf.position() + n);
            }
            String head = new String(buf.array(), 0, headEnd, StandardCharsets.ISO_8859_1).toLowerCase(Locale.ROOT);
            boolean close = head.contains("\r\nconnection: close");
            int length = contentLength(head);
            byte[] body = new byte[Math.max(0, length)];
            int have = Math.min(body.length, buf.position() - headEnd);
            System.arraycopy(buf.array(), headEnd, body, 0, have);
            while (have < body.length) {
                int n = ch.socket().getInputStream().read(body, have, body.length - have);
                if (n < 0) {
                    failures.midResponse.increment();
                    return false;
                }
                have += n;
            }
            if (!head.startsWith("http/1.1 2") || !Arrays.equals(body, expected)) {
                failures.bad.increment();
                return false;
            }
            failures.ok.increment();
            return !close;
        } catch (ConnectException e) {
            failures.connect.increment();
            return false;
        } catch (SocketException e) {
            (got == 0 ? failures.resetBeforeResponse : failures.midResponse).increment();
            return false;
        } catch (IOException e) {
            failures.midResponse.increment(); // a read timeout, or a malformed head
            return false;
        }
    }

    private static int headEnd(ByteBuffer buf) {
        byte[] a = buf.array();
        for (int i = 3; i < buf.position(); i++) {
            if (a[i] == '\n' && a[i - 1] == '\r' && a[i - 2] == '\n' && a[i - 3] == '\r') {
                return i + 1;
            }
        }
        if (buf.remaining() == 0) {
            throw new IllegalStateException("response head larger than " + buf.capacity() + " bytes");
        }
        return -1;
    }

    private static int contentLength(String head) {
        int i = head.indexOf("\r\ncontent-length:");
        if (i < 0) {
            return -1;
        }
        int end = head.indexOf("\r\n", i + 2);
        return Integer.parseInt(head.substring(i + 17, end).trim());
    }

    private static void closeQuietly(SocketChannel ch) {
        try {
            ch.close();
        } catch (IOException e) {
            // already closed
        }
    }
}
