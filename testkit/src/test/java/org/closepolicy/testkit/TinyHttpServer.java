package org.closepolicy.testkit;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A hand-rolled HTTP/1.x server on 127.0.0.1 for testing the raw client. Routes:
 * {@code /len/N} (Content-Length), {@code /chunked/N}, {@code /eof/N} (no length, server closes),
 * {@code /continue/N} (100 Continue first), {@code /echo} (echoes the request body), {@code /early} (413 before
 * reading the body, then waits for {@link #releaseEarly}), {@code /rst} (part of the body, then RST),
 * {@code /stall} (never answers until closed). Bodies are {@link DeterministicBytes}.
 */
final class TinyHttpServer implements AutoCloseable {

    /**
     * One parsed request, as the server saw it; {@code followedEarly} when, once its head was read, more bytes than
     * its body were already there: the next request came before this one was answered (pipelining).
     */
    record Request(String method, String path, String version, List<String> headerLines, int connection,
                   boolean followedEarly) {
        boolean header(String name, String value) {
            String prefix = name.toLowerCase(Locale.ROOT) + ":";
            return headerLines.stream().anyMatch(h -> h.toLowerCase(Locale.ROOT).startsWith(prefix)
                    && h.substring(prefix.length()).trim().equalsIgnoreCase(value));
        }
    }

    private final ServerSocket server;
    private final Thread acceptor;
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();
    final List<Request> requests = new CopyOnWriteArrayList<>();
    final AtomicInteger connections = new AtomicInteger();
    /** Connections on which the server read EOF (client FIN) before closing its side. */
    final AtomicInteger clientClosedFirst = new AtomicInteger();
    final CountDownLatch releaseEarly = new CountDownLatch(1);
    final AtomicInteger earlyBodyBytesDrained = new AtomicInteger(-1);
    private volatile boolean closed;

    TinyHttpServer() throws IOException {
        server = new ServerSocket(0, 200, InetAddress.getByName("127.0.0.1"));
        acceptor = new Thread(this::acceptLoop, "tiny-http-acceptor");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    InetSocketAddress address() {
        return (InetSocketAddress) server.getLocalSocketAddress();
    }

    int port() {
        return server.getLocalPort();
    }

    private void acceptLoop() {
        while (!closed) {
            try {
                Socket s = server.accept();
                sockets.add(s);
                int id = connections.incrementAndGet();
                Thread t = new Thread(() -> serve(s, id), "tiny-http-conn-" + id);
                t.setDaemon(true);
                t.start();
            } catch (IOException e) {
                if (!closed) {
                    throw new IllegalStateException(e);
                }
            }
        }
    }

    private void serve(Socket s, int id) {
        try (s) {
            s.setSoTimeout(10_000);
            InputStream in = new BufferedInputStream(s.getInputStream());
            OutputStream out = s.getOutputStream();
            while (true) {
                String requestLine = readLine(in);
                if (requestLine == null) {
                    clientClosedFirst.incrementAndGet();
                    return;
                }
                String[] parts = requestLine.split(" ");
                List<String> headers = new CopyOnWriteArrayList<>();
                long contentLength = 0;
                for (String h; (h = readLine(in)) != null && !h.isEmpty(); ) {
                    headers.add(h);
                    if (h.toLowerCase(Locale.ROOT).startsWith("content-length:")) {
                        contentLength = Long.parseLong(h.substring(15).trim());
                    }
                }
                Request req = new Request(parts[0], parts[1], parts[2], headers, id, in.available() > contentLength);
                requests.add(req);
                boolean keepAlive = parts[2].equals("HTTP/1.1") ? !req.header("Connection", "close")
                        : req.header("Connection", "keep-alive");
                String path = req.path();
                boolean head = req.method().equals("HEAD");
                String connHeader = keepAlive ? "" : "Connection: close\r\n";
                if (path.equals("/early")) {
                    out.write(("HTTP/1.1 413 Payload Too Large\r\nContent-Length: 8\r\nConnection: close\r\n\r\ntoo big!")
                            .getBytes(StandardCharsets.ISO_8859_1));
                    out.flush();
                    releaseEarly.await(10, TimeUnit.SECONDS);
                    earlyBodyBytesDrained.set((int) drain(in)); // lingering drain: no RST over the response
                    return;
                }
                if (path.equals("/stall")) {
                    drain(in);
                    return;
                }
                byte[] reqBody = in.readNBytes((int) contentLength);
                if (path.equals("/echo")) {
                    writeHead(out, "200 OK", "Content-Length: " + reqBody.length + "\r\n" + connHeader);
                    out.write(reqBody);
                } else if (path.startsWith("/len/")) {
                    int n = Integer.parseInt(path.substring(5));
                    writeHead(out, "200 OK", "Content-Length: " + n + "\r\nContent-Type: text/xml\r\n" + connHeader);
                    if (!head) {
                        DeterministicBytes.writeTo(out, n);
                    }
                } else if (path.startsWith("/continue/")) {
                    int n = Integer.parseInt(path.substring(10));
                    out.write("HTTP/1.1 100 Continue\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
                    writeHead(out, "200 OK", "Content-Length: " + n + "\r\n" + connHeader);
                    DeterministicBytes.writeTo(out, n);
                } else if (path.startsWith("/chunked/")) {
                    int n = Integer.parseInt(path.substring(9));
                    writeHead(out, "200 OK", "Transfer-Encoding: chunked\r\n" + connHeader);
                    byte[] all = DeterministicBytes.generate(n);
                    for (int off = 0; off < n; off += 1000) {
                        int k = Math.min(1000, n - off);
                        out.write((Integer.toHexString(k) + (off == 0 ? ";ext=1" : "") + "\r\n")
                                .getBytes(StandardCharsets.ISO_8859_1));
                        out.write(all, off, k);
                        out.write("\r\n".getBytes(StandardCharsets.ISO_8859_1));
                    }
                    out.write("0\r\nX-Trailer: yes\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
                } else if (path.startsWith("/eof/")) {
                    int n = Integer.parseInt(path.substring(5));
                    writeHead(out, "200 OK", "Connection: close\r\n");
                    DeterministicBytes.writeTo(out, n);
                    out.flush();
                    return; // server FIN delimits the body
                } else if (path.equals("/rst")) {
                    writeHead(out, "200 OK", "Content-Length: 100000\r\n");
                    DeterministicBytes.writeTo(out, 1000);
                    out.flush();
                    s.setSoLinger(true, 0);
                    return; // abortive close
                } else {
                    writeHead(out, "404 Not Found", "Content-Length: 0\r\n" + connHeader);
                }
                out.flush();
                if (!keepAlive) {
                    return;
                }
            }
        } catch (IOException | InterruptedException | RuntimeException e) {
            // the connection ends; tests look at what the client saw
        }
    }

    private static long drain(InputStream in) throws IOException {
        long n = 0;
        byte[] buf = new byte[64 * 1024];
        for (int r; (r = in.read(buf)) > 0; ) {
            n += r;
        }
        return n;
    }

    private static void writeHead(OutputStream out, String status, String headers) throws IOException {
        out.write(("HTTP/1.1 " + status + "\r\n" + headers + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
    }

    private static String readLine(InputStream in) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        for (int c; (c = in.read()) >= 0; ) {
            if (c == '\n') {
                String s = b.toString(StandardCharsets.ISO_8859_1);
                return s.endsWith("\r") ? s.substring(0, s.length() - 1) : s;
            }
            b.write(c);
        }
        return b.size() == 0 ? null : b.toString(StandardCharsets.ISO_8859_1);
    }

    @Override
    public void close() throws IOException {
        closed = true;
        releaseEarly.countDown();
        server.close();
        for (Socket s : sockets) {
            s.close();
        }
    }
}
