package org.closepolicy.benchmarks;

import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Many keep-alive HTTP/1.1 connections from one thread (NIO), for the heap-per-connection and the scale runs.
 * Each connection sends {@code GET path}, reads the response by its {@code Content-Length}, and then either stays idle
 * ({@code --interval 0}: prints {@code ready N} once every connection has its response and holds them until killed) or
 * sends its next request {@code --interval} later. A response with {@code Connection: close} is a retirement: the client
 * closes first (as a client-first server expects), and the next request goes on a new connection. Prints one line per
 * second and a summary.
 * <pre>
 * java -cp benchmarks/target/benchmarks.jar org.closepolicy.benchmarks.KeepAliveClients \
 *     --target 127.0.0.1:8080 --connections 10000 --sources 127.0.0.2,127.0.0.3 --interval-ms 1000 --seconds 120
 * </pre>
 * Counted as errors: a failed connect, a read or write error, the server's EOF in the middle of a response, a status
 * other than 2xx, and a response that takes longer than {@code --timeout-ms}. The server's EOF on an idle connection
 * (no {@code Connection: close} before it) is counted apart ({@code eof}): a retirement the client could not see coming.
 *
 * <p>Thread-safety: a program with one thread.
 */
public final class KeepAliveClients {

    private static final int MAX_CONNECTING = 256;

    private final Options o;
    private final Selector selector;
    private final byte[] request;
    private final ByteBuffer readBuffer = ByteBuffer.allocateDirect(64 * 1024);
    private final ArrayDeque<Conn> due = new ArrayDeque<>();
    private final ArrayDeque<Conn> waitingToConnect = new ArrayDeque<>();
    private final List<Conn> all = new ArrayList<>();
    private final Counters total = new Counters();
    private Counters second = new Counters();
    private int connecting;
    private int open;
    private int sourceIndex;

    private KeepAliveClients(Options o) throws IOException {
        this.o = o;
        this.selector = Selector.open();
        this.request = ("GET " + o.path + " HTTP/1.1\r\nHost: " + o.target.getHostString() + ":" + o.target.getPort()
                + "\r\nUser-Agent: closepolicy-bench\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1);
    }

    public static void main(String[] args) throws IOException {
        new KeepAliveClients(Options.parse(args)).run(System.out);
    }

    private void run(PrintStream out) throws IOException {
        long start = System.nanoTime();
        for (int i = 0; i < o.connections; i++) {
            Conn c = new Conn(i);
            all.add(c);
            waitingToConnect.add(c);
        }
        boolean idle = o.intervalMs == 0;
        long end = start + TimeUnit.SECONDS.toNanos(o.seconds);
        long nextReport = start + TimeUnit.SECONDS.toNanos(1);
        int tick = 0;
        out.println("# t open requests retired eof errors connects p99_ms max_ms");
        while (idle || System.nanoTime() - end < 0) {
            startConnects();
            long now = System.nanoTime();
            while (!due.isEmpty() && due.peekFirst().dueAt - now <= 0) {
                Conn c = due.pollFirst();
                c.scheduled = false;
                if (c.channel == null) {
                    waitingToConnect.add(c);
                } else if (c.channel.isConnected() && c.sentAt == 0) {
                    send(c, now);
                } // else: still connecting (it sends when connected) or a request is outstanding
            }
            startConnects();
            long wait = Math.max(1, TimeUnit.NANOSECONDS.toMillis(Math.min(nextReport - now,
                    due.isEmpty() ? Long.MAX_VALUE : due.peekFirst().dueAt - now)));
            selector.select(Math.min(wait, 100));
            now = System.nanoTime();
            for (Iterator<SelectionKey> it = selector.selectedKeys().iterator(); it.hasNext(); ) {
                SelectionKey k = it.next();
                it.remove();
                handle((Conn) k.attachment(), k, now);
            }
            if (now - nextReport >= 0) {
                tick++;
                expireSlow(now);
                out.printf(Locale.ROOT, "%d %d %d %d %d %d %d %d %d%n", tick, open, second.requests, second.retired,
                        second.eof, second.errors, second.connects, second.p99Millis(), second.maxMillis);
                out.flush();
                second = new Counters();
                nextReport += TimeUnit.SECONDS.toNanos(1);
            }
            if (idle && waitingToConnect.isEmpty() && connecting == 0 && total.requests + total.errors >= o.connections
                    && inFlight() == 0) {
                out.printf(Locale.ROOT, "ready %d errors %d%n", open, total.errors);
                out.flush();
                while (true) {
                    LockSupport.park(); // held until the process is killed
                }
            }
        }
        out.printf(Locale.ROOT, "summary: connections %d open %d requests %d retired %d eof %d errors %d (connect %d, io %d, "
                        + "status %d, timeout %d) connects %d max_ms %d%n", o.connections, open, total.requests,
                total.retired, total.eof, total.errors, total.connectErrors, total.ioErrors, total.statusErrors,
                total.timeouts, total.connects, total.maxMillis);
        out.flush();
        for (Conn c : all) {
            if (c.channel != null) {
                c.channel.close();
            }
        }
    }

    private int inFlight() {
        int n = 0;
        for (Conn c : all) {
            if (c.sentAt != 0) {
                n++;
            }
        }
        return n;
    }

    private void startConnects() {
        while (connecting < MAX_CONNECTING && !waitingToConnect.isEmpty()) {
            Conn c = waitingToConnect.pollFirst();
            boolean counted = false;
            try {
                SocketChannel ch = SocketChannel.open();
                c.channel = ch;
                ch.configureBlocking(false);
                ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
                if (!o.sources.isEmpty()) {
                    ch.setOption(StandardSocketOptions.SO_REUSEADDR, true);
                    ch.bind(new InetSocketAddress(o.sources.get(sourceIndex++ % o.sources.size()), 0));
                }
                c.sentAt = System.nanoTime(); // a connect is timed like a request
                connecting++;
                counted = true;
                if (ch.connect(o.target)) {
                    connected(c, ch.register(selector, 0, c), System.nanoTime());
                } else {
                    ch.register(selector, SelectionKey.OP_CONNECT, c);
                }
            } catch (IOException e) {
                if (counted) {
                    connecting--;
                }
                fail(c, System.nanoTime(), true);
            }
        }
    }

    private void handle(Conn c, SelectionKey k, long now) {
        try {
            if (k.isConnectable()) {
                c.channel.finishConnect();
                connected(c, k, now);
            } else if (k.isReadable()) {
                read(c, now);
            }
        } catch (IOException e) {
            if (k.isValid() && (k.interestOps() & SelectionKey.OP_CONNECT) != 0) {
                connecting--;
                fail(c, now, true);
            } else {
                fail(c, now, false);
            }
        }
    }

    private void connected(Conn c, SelectionKey k, long now) throws IOException {
        connecting--;
        open++;
        total.connects++;
        second.connects++;
        c.sentAt = 0;
        k.interestOps(SelectionKey.OP_READ);
        send(c, now);
    }

    private void send(Conn c, long now) {
        try {
            ByteBuffer b = ByteBuffer.wrap(request);
            while (b.hasRemaining()) {
                if (c.channel.write(b) == 0) {
                    throw new IOException("send buffer full on a " + request.length + "-byte request");
                }
            }
            c.sentAt = now;
            c.head.clear();
            c.bodyLeft = -1;
        } catch (IOException | RuntimeException e) {
            fail(c, now, false);
        }
    }

    private void read(Conn c, long now) throws IOException {
        readBuffer.clear();
        int n = c.channel.read(readBuffer);
        if (n < 0) {
            if (c.sentAt == 0) {
                total.eof++;
                second.eof++;
                close(c);
                schedule(c, now);
            } else {
                throw new IOException("EOF in a response");
            }
            return;
        }
        readBuffer.flip();
        if (c.sentAt == 0) {
            throw new IOException(n + " bytes while no request was outstanding");
        }
        while (readBuffer.hasRemaining()) {
            if (c.bodyLeft < 0) {
                byte b = readBuffer.get();
                if (!c.head.hasRemaining()) {
                    throw new IOException("response head over " + c.head.capacity() + " bytes");
                }
                c.head.put(b);
                int p = c.head.position();
                if (p >= 4 && b == '\n' && c.head.get(p - 2) == '\r' && c.head.get(p - 3) == '\n' && c.head.get(p - 4) == '\r') {
                    parseHead(c);
                }
            } else {
                int take = (int) Math.min(c.bodyLeft, readBuffer.remaining());
                readBuffer.position(readBuffer.position() + take);
                c.bodyLeft -= take;
            }
            if (c.bodyLeft == 0) {
                if (readBuffer.hasRemaining()) {
                    throw new IOException("bytes after the response");
                }
                complete(c, now);
                return;
            }
        }
    }

    private void parseHead(Conn c) throws IOException {
        String head = new String(c.head.array(), 0, c.head.position(), StandardCharsets.ISO_8859_1).toLowerCase(Locale.ROOT);
        c.status = head.length() > 12 ? Integer.parseInt(head.substring(9, 12)) : 0;
        int cl = head.indexOf("content-length:");
        if (cl < 0) {
            throw new IOException("no content-length");
        }
        int eol = head.indexOf('\r', cl);
        c.bodyLeft = Long.parseLong(head.substring(cl + 15, eol).trim());
        c.closing = head.contains("connection: close");
    }

    private void complete(Conn c, long now) {
        long millis = TimeUnit.NANOSECONDS.toMillis(now - c.sentAt);
        c.sentAt = 0;
        c.bodyLeft = -1;
        total.requests++;
        second.requests++;
        total.latency(millis);
        second.latency(millis);
        if (c.status < 200 || c.status > 299) {
            total.statusErrors++;
            total.errors++;
            second.errors++;
        }
        if (c.closing) {
            total.retired++;
            second.retired++;
            close(c);
        }
        if (o.intervalMs > 0) {
            schedule(c, now);
        }
    }

    private void fail(Conn c, long now, boolean connect) {
        total.errors++;
        second.errors++;
        if (connect) {
            total.connectErrors++;
        } else {
            total.ioErrors++;
        }
        c.sentAt = 0;
        close(c);
        if (o.intervalMs > 0) {
            schedule(c, now);
        }
    }

    private void expireSlow(long now) {
        long limit = TimeUnit.MILLISECONDS.toNanos(o.timeoutMs);
        for (Conn c : all) {
            if (c.sentAt != 0 && now - c.sentAt > limit && c.channel != null && c.channel.isConnected()) {
                total.timeouts++;
                total.errors++;
                second.errors++;
                c.sentAt = 0;
                close(c);
                if (o.intervalMs > 0) {
                    schedule(c, now);
                }
            }
        }
    }

    private void close(Conn c) {
        if (c.channel == null) {
            return;
        }
        if (c.channel.isConnected()) {
            open--;
        }
        try {
            c.channel.close();
        } catch (IOException ignored) {
            // closing: nothing left to do with it
        }
        c.channel = null;
    }

    private void schedule(Conn c, long now) {
        if (c.scheduled) {
            return;
        }
        c.scheduled = true;
        c.dueAt = now + TimeUnit.MILLISECONDS.toNanos(o.intervalMs);
        due.addLast(c); // one fixed interval: the queue stays in time order
    }

    /** One connection slot: its channel (null between connections) and the response being read. */
    private static final class Conn {
        final int id;
        SocketChannel channel;
        final ByteBuffer head = ByteBuffer.allocate(2048);
        long bodyLeft = -1;
        long sentAt;
        long dueAt;
        int status;
        boolean closing;
        boolean scheduled;

        Conn(int id) {
            this.id = id;
        }
    }

    /** Counts of one second or of the whole run; latency in a millisecond histogram. */
    private static final class Counters {
        long requests;
        long retired;
        long eof;
        long errors;
        long connectErrors;
        long ioErrors;
        long statusErrors;
        long timeouts;
        long connects;
        long maxMillis;
        final long[] histogram = new long[10_001];

        void latency(long millis) {
            histogram[(int) Math.min(millis, histogram.length - 1)]++;
            maxMillis = Math.max(maxMillis, millis);
        }

        long p99Millis() {
            long n = 0;
            for (long h : histogram) {
                n += h;
            }
            long want = (long) Math.ceil(n * 0.99);
            long seen = 0;
            for (int i = 0; i < histogram.length; i++) {
                seen += histogram[i];
                if (seen >= want && n > 0) {
                    return i;
                }
            }
            return 0;
        }
    }

    /** Command-line options. */
    private record Options(InetSocketAddress target, int connections, List<String> sources, long intervalMs, long seconds,
                           String path, long timeoutMs) {
        static Options parse(String[] args) {
            InetSocketAddress target = null;
            int connections = 1000;
            List<String> sources = new ArrayList<>();
            long intervalMs = 1000;
            long seconds = 120;
            String path = "/weather.xml";
            long timeoutMs = 10_000;
            for (int i = 0; i < args.length; i += 2) {
                String v = i + 1 < args.length ? args[i + 1] : "";
                switch (args[i]) {
                    case "--target" -> target = new InetSocketAddress(v.substring(0, v.lastIndexOf(':')),
                            Integer.parseInt(v.substring(v.lastIndexOf(':') + 1)));
                    case "--connections" -> connections = Integer.parseInt(v);
                    case "--sources" -> sources = v.isEmpty() ? List.of() : List.of(v.split(","));
                    case "--interval-ms" -> intervalMs = Long.parseLong(v);
                    case "--seconds" -> seconds = Long.parseLong(v);
                    case "--path" -> path = v;
                    case "--timeout-ms" -> timeoutMs = Long.parseLong(v);
                    default -> throw new IllegalArgumentException("unknown option " + args[i]
                            + "; use --target HOST:PORT --connections N --sources IP,IP --interval-ms MS (0: idle) "
                            + "--seconds S --path P --timeout-ms MS");
                }
            }
            if (target == null) {
                throw new IllegalArgumentException("--target HOST:PORT is required");
            }
            return new Options(target, connections, sources, intervalMs, seconds, path, timeoutMs);
        }
    }
}
