package org.closepolicy.benchmarks;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * A minimal keep-alive load: {@code connections} threads, each sending GET requests one after the
 * other on a persistent connection for a fixed time, reading each response by its
 * {@code Content-Length}, and reconnecting when the server answers {@code Connection: close}. The
 * testkit's client opens one connection per request (or pipelines a fixed batch), so it cannot
 * measure keep-alive throughput.
 * <pre>
 * KeepAliveLoad.Result r = KeepAliveLoad.run(new InetSocketAddress("127.0.0.1", port), "/weather", 8, Duration.ofSeconds(3));
 * double rate = r.requestsPerSecond();
 * </pre>
 *
 * <p>Thread-safety: one run at a time.
 */
final class KeepAliveLoad {

    /** Requests completed, reconnections, errors, and the wall time of the measured run. */
    record Result(long requests, long reconnects, long errors, long elapsedNanos) {
        double requestsPerSecond() {
            return requests * 1e9 / elapsedNanos;
        }
    }

    private KeepAliveLoad() {
    }

    static Result run(InetSocketAddress target, String path, int connections, Duration duration) throws InterruptedException {
        byte[] request = ("GET " + path + " HTTP/1.1\r\nHost: " + target.getHostString() + ":" + target.getPort()
                + "\r\nUser-Agent: closepolicy-bench\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1);
        LongAdder requests = new LongAdder();
        LongAdder reconnects = new LongAdder();
        LongAdder errors = new LongAdder();
        long end = System.nanoTime() + duration.toNanos();
        AtomicLong started = new AtomicLong(System.nanoTime());
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < connections; i++) {
            Thread t = new Thread(() -> loop(target, request, end, requests, reconnects, errors), "keep-alive-load-" + i);
            t.setDaemon(true);
            threads.add(t);
        }
        started.set(System.nanoTime());
        threads.forEach(Thread::start);
        for (Thread t : threads) {
            t.join(duration.toMillis() + 30_000);
        }
        return new Result(requests.sum(), reconnects.sum(), errors.sum(), System.nanoTime() - started.get());
    }

    private static void loop(InetSocketAddress target, byte[] request, long end, LongAdder requests, LongAdder reconnects,
                             LongAdder errors) {
        byte[] buf = new byte[64 * 1024];
        while (System.nanoTime() - end < 0) {
            try (Socket s = new Socket()) {
                s.setTcpNoDelay(true);
                s.setSoTimeout(10_000);
                s.connect(target, 5_000);
                OutputStream out = s.getOutputStream();
                InputStream in = s.getInputStream();
                boolean open = true;
                while (open && System.nanoTime() - end < 0) {
                    out.write(request);
                    open = readResponse(in, buf);
                    requests.increment();
                }
                if (!open) {
                    reconnects.increment();
                }
            } catch (IOException | RuntimeException e) {
                errors.increment();
            }
        }
    }

    /** Reads one response; returns whether the connection stays open. */
    private static boolean readResponse(InputStream in, byte[] buf) throws IOException {
        int have = 0;
        int headEnd = -1;
        while (headEnd < 0) {
            int n = in.read(buf, have, buf.length - have);
            if (n < 0) {
                throw new IOException("EOF in response head");
            }
            have += n;
            headEnd = indexOfHeadEnd(buf, have);
        }
        String head = new String(buf, 0, headEnd, StandardCharsets.ISO_8859_1).toLowerCase(java.util.Locale.ROOT);
        int cl = head.indexOf("content-length:");
        if (cl < 0) {
            throw new IOException("no content-length");
        }
        int eol = head.indexOf('\r', cl);
        if (eol < 0) {
            eol = head.length();
        }
        long length = Long.parseLong(head.substring(cl + 15, eol).trim());
        long body = have - (headEnd + 4);
        while (body < length) {
            int n = in.read(buf, 0, (int) Math.min(buf.length, length - body));
            if (n < 0) {
                throw new IOException("EOF in body");
            }
            body += n;
        }
        return !head.contains("connection: close");
    }

    private static int indexOfHeadEnd(byte[] b, int len) {
        for (int i = 3; i < len; i++) {
            if (b[i] == '\n' && b[i - 1] == '\r' && b[i - 2] == '\n' && b[i - 3] == '\r') {
                return i - 3;
            }
        }
        return -1;
    }
}
