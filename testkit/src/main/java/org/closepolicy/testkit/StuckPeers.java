package org.closepolicy.testkit;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Four peers that do not play along with a server that wants to end their connections: one connects and never
 * sends, one sends half a request head, one reads a keep-alive response and then never closes, and one reads a
 * {@link #BIG} body slowly through a small receive buffer. Each reads until the server closes or resets its
 * connection; the slow reader checks every byte it read against {@link DeterministicBytes} by SHA-256.
 * <pre>{@code
 * try (StuckPeers peers = StuckPeers.connect(server.address(), "/bytes?n=1900", "/bytes?n=" + StuckPeers.BIG)) {
 *     await().until(peers::ready);
 *     ... drain ...
 *     await().until(peers::allEnded);
 *     assertThat(peers.slowReaderPrefixIntact()).isTrue();
 * }
 * }</pre>
 *
 * <p>Thread-safety: thread-safe; one daemon thread per peer.
 */
public final class StuckPeers implements AutoCloseable {

    /** The slow reader's body: 10 MB. */
    public static final int BIG = 10_000_000;
    private static final int SLOW_CHUNK = 8 * 1024;
    private static final long SLOW_PAUSE_MILLIS = 10;

    private final List<Socket> sockets = new ArrayList<>();
    private final CountDownLatch ready = new CountDownLatch(2);
    private final CountDownLatch ended = new CountDownLatch(4);
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final Sha256 slowPrefix = new Sha256();
    private volatile long slowRead;

    private StuckPeers() {
    }

    /** Connects the four peers to {@code target}: the never-closing one asks for {@code smallPath}, the slow reader for {@code bigPath}. */
    public static StuckPeers connect(InetSocketAddress target, String smallPath, String bigPath) throws IOException {
        StuckPeers p = new StuckPeers();
        p.start("silent", p.open(target, 0), null, false);
        p.start("half-request", p.open(target, 0), "GET " + smallPath + " HTTP/1.1\r\nHost: peer\r\n", false);
        p.start("never-closes", p.open(target, 0), "GET " + smallPath + " HTTP/1.1\r\nHost: peer\r\n\r\n", false);
        p.start("slow-reader", p.open(target, 16 * 1024), "GET " + bigPath + " HTTP/1.1\r\nHost: peer\r\n\r\n", true);
        return p;
    }

    private Socket open(InetSocketAddress target, int receiveBuffer) throws IOException {
        Socket s = new Socket();
        if (receiveBuffer > 0) {
            s.setReceiveBufferSize(receiveBuffer);
        }
        s.connect(target, 5_000);
        s.setSoTimeout(60_000);
        synchronized (sockets) {
            sockets.add(s);
        }
        return s;
    }

    private void start(String name, Socket s, String request, boolean slow) {
        Thread t = new Thread(() -> {
            try {
                InputStream in = s.getInputStream();
                if (request != null) {
                    s.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
                    s.getOutputStream().flush();
                }
                if (request != null && request.endsWith("\r\n\r\n")) {
                    ResponseHeaders.readHead(in);
                    ready.countDown();
                }
                byte[] buf = new byte[SLOW_CHUNK];
                int n;
                while (running.get() && (n = in.read(buf)) >= 0) {
                    if (slow) {
                        slowPrefix.update(buf, 0, n);
                        slowRead += n;
                        TimeUnit.MILLISECONDS.sleep(SLOW_PAUSE_MILLIS); // a slow reader, not a synchronisation
                    }
                }
            } catch (IOException | InterruptedException e) {
                // A reset (or the end of the test): the peer has ended.
            } finally {
                ended.countDown();
            }
        }, "stuck-peer-" + name);
        t.setDaemon(true);
        t.start();
    }

    /** Whether the never-closing peer and the slow reader have their response heads. */
    public boolean ready() {
        return ready.getCount() == 0;
    }

    /** Whether every peer has seen its connection end. */
    public boolean allEnded() {
        return ended.getCount() == 0;
    }

    /** Body bytes the slow reader read. */
    public long slowReaderRead() {
        return slowRead;
    }

    /** Whether the bytes the slow reader read are the first bytes of the expected body. */
    public boolean slowReaderPrefixIntact() {
        return slowPrefix.hex().equals(Sha256.hex(DeterministicBytes.generate((int) slowRead)));
    }

    @Override
    public String toString() {
        return "StuckPeers[ended " + (4 - ended.getCount()) + " of 4, slow reader read " + slowRead + " of " + BIG + "]";
    }

    @Override
    public void close() {
        running.set(false);
        synchronized (sockets) {
            for (Socket s : sockets) {
                try {
                    s.close();
                } catch (IOException e) {
                    // closing anyway
                }
            }
        }
    }
}
