package org.closepolicy.reliability;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.closepolicy.testkit.TimeWaitCounter;

/**
 * Holds N connections open at once, in its own process (each JVM may have only so many descriptors):
 * {@code BurstClient HOST PORT N PATH LENGTH SHA256}. Connects all N without blocking, prints
 * {@code CONNECTED n}, waits for a line on standard input, then sends one request on every connection, reads each
 * response (Content-Length), checks its SHA-256, closes it at once (the client closes first), and prints
 * {@code BURST ok errors bytes firstError} and {@code TW n} (client-side TIME_WAIT toward the port, left
 * out what was there before it connected). Bounded by
 * 180 s overall.
 */
public final class BurstClient {

    private static final long DEADLINE_NANOS = TimeUnit.SECONDS.toNanos(180);

    private BurstClient() {
    }

    /** The read state of one connection. */
    private static final class Conn {
        final SocketChannel ch;
        final ByteBuffer head = ByteBuffer.allocate(4096);
        final MessageDigest sha;
        long bodyLeft = -1;
        long body;

        Conn(SocketChannel ch) throws NoSuchAlgorithmException {
            this.ch = ch;
            this.sha = MessageDigest.getInstance("SHA-256");
        }
    }

    public static void main(String[] args) throws Exception {
        PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        InetSocketAddress target = new InetSocketAddress(args[0], Integer.parseInt(args[1]));
        TimeWaitCounter.Since timeWait = TimeWaitCounter.since(target.getPort()); // before the first connection
        int n = Integer.parseInt(args[2]);
        String path = args[3];
        long length = Long.parseLong(args[4]);
        String expectedSha = args[5];
        long end = System.nanoTime() + DEADLINE_NANOS;

        Selector selector = Selector.open();
        List<Conn> conns = new ArrayList<>(n);
        int connected = 0;
        int errors = 0;
        String firstError = "-";
        for (int i = 0; i < n; i++) {
            SocketChannel ch = SocketChannel.open();
            ch.configureBlocking(false);
            ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
            Conn c = new Conn(ch);
            conns.add(c);
            if (ch.connect(target)) {
                connected++;
            } else {
                ch.register(selector, SelectionKey.OP_CONNECT, c);
            }
        }
        while (connected + errors < n && System.nanoTime() < end) {
            selector.select(100);
            for (Iterator<SelectionKey> it = selector.selectedKeys().iterator(); it.hasNext(); ) {
                SelectionKey k = it.next();
                it.remove();
                Conn c = (Conn) k.attachment();
                try {
                    if (c.ch.finishConnect()) {
                        k.interestOps(0);
                        connected++;
                    }
                } catch (IOException e) {
                    k.cancel();
                    errors++;
                    firstError = firstError.equals("-") ? "connect: " + e : firstError;
                }
            }
        }
        out.println("CONNECTED " + connected);
        new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();

        byte[] request = ("GET " + path + " HTTP/1.1\r\nHost: " + args[0] + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
        int ok = 0;
        long bytes = 0;
        int open = 0;
        for (Conn c : conns) {
            if (!c.ch.isConnected()) {
                continue;
            }
            try {
                c.ch.write(ByteBuffer.wrap(request));
                c.ch.register(selector, SelectionKey.OP_READ, c);
                open++;
            } catch (IOException e) {
                errors++;
                firstError = firstError.equals("-") ? "write: " + e : firstError;
                c.ch.close();
            }
        }
        ByteBuffer buf = ByteBuffer.allocateDirect(64 * 1024);
        byte[] arr = new byte[64 * 1024];
        while (open > 0 && System.nanoTime() < end) {
            selector.select(100);
            for (Iterator<SelectionKey> it = selector.selectedKeys().iterator(); it.hasNext(); ) {
                SelectionKey k = it.next();
                it.remove();
                Conn c = (Conn) k.attachment();
                String failure = null;
                boolean done = false;
                try {
                    buf.clear();
                    int r = c.ch.read(buf);
                    if (r < 0) {
                        failure = "EOF after " + c.body + " body bytes";
                    } else {
                        buf.flip();
                        buf.get(arr, 0, r);
                        done = consume(c, arr, r);
                    }
                } catch (IOException e) {
                    failure = e.toString();
                }
                if (done) {
                    String sha = HexFormat.of().formatHex(c.sha.digest());
                    if (c.body == length && sha.equals(expectedSha)) {
                        ok++;
                        bytes += c.body;
                    } else {
                        failure = "body " + c.body + " B, sha " + sha;
                    }
                }
                if (failure != null) {
                    errors++;
                    firstError = firstError.equals("-") ? failure : firstError;
                }
                if (done || failure != null) {
                    k.cancel();
                    c.ch.close();
                    open--;
                }
            }
        }
        errors += open;
        for (Conn c : conns) {
            c.ch.close();
        }
        out.println("BURST " + ok + " " + errors + " " + bytes + " " + firstError.replace('\n', ' '));
        out.println("TW " + timeWait.count().clientSide());
    }

    /** Feeds bytes to a connection; returns true when its whole response has been read. */
    private static boolean consume(Conn c, byte[] a, int n) throws IOException {
        int off = 0;
        if (c.bodyLeft < 0) {
            for (; off < n; off++) {
                if (!c.head.hasRemaining()) {
                    throw new IOException("response head too long");
                }
                c.head.put(a[off]);
                int p = c.head.position();
                if (p >= 4 && c.head.get(p - 4) == '\r' && c.head.get(p - 3) == '\n' && c.head.get(p - 2) == '\r' && c.head.get(p - 1) == '\n') {
                    String head = new String(c.head.array(), 0, p, StandardCharsets.ISO_8859_1);
                    if (!head.startsWith("HTTP/1.1 200")) {
                        throw new IOException("status line " + head.lines().findFirst().orElse(""));
                    }
                    c.bodyLeft = head.lines().filter(l -> l.regionMatches(true, 0, "Content-Length:", 0, 15))
                            .mapToLong(l -> Long.parseLong(l.substring(15).trim())).findFirst().orElseThrow(() -> new IOException("no length"));
                    off++;
                    break;
                }
            }
        }
        if (c.bodyLeft >= 0) {
            int k = (int) Math.min(c.bodyLeft, n - off);
            c.sha.update(a, off, k);
            c.body += k;
            c.bodyLeft -= k;
            return c.bodyLeft == 0;
        }
        return false;
    }
}
