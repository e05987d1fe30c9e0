package org.closepolicy.testkit;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLSocket;

/**
 * One connection of a {@link RawHttpClient}: connects (and shakes hands over TLS), writes the requests, reads the
 * responses in order, ends the connection in its {@link RawHttpClient.CloseStyle}, and gives the account of each
 * response; bounded by the client's deadline, after which a watchdog closes the socket from outside.
 *
 * <p>Thread-safety: one thread runs it (a second may write the requests); {@link RawHttpClient.Exchange} reads
 * its futures and ends a hold from any thread.
 */
final class Conversation {
    private static final long WRITER_JOIN_MILLIS = 5_000;
    private static final ScheduledThreadPoolExecutor WATCHDOG = newWatchdog();

    private final ClientSettings s;
    final List<String> paths;
    final int requests;
    final boolean sequential;
    final long t0 = System.nanoTime();
    final Socket socket = new Socket();
    // The socket requests and responses go through: the TCP socket, or TLS layered over it.
    volatile Socket io = socket;
    final CompletableFuture<HttpResult> firstResponse = new CompletableFuture<>();
    final CompletableFuture<HttpResult> result = new CompletableFuture<>();
    final List<PartialResponse> partials = new ArrayList<>();
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
    ResponseReader reader;

    Conversation(ClientSettings s, List<String> paths, boolean sequential) {
        this.s = s;
        this.paths = paths;
        this.requests = paths.size();
        this.sequential = sequential;
    }

    List<HttpResult> run() {
        ScheduledFuture<?> dog = WATCHDOG.schedule(() -> {
            deadlineHit = true;
            closeQuietly(socket);
        }, s.deadline.toNanos(), TimeUnit.NANOSECONDS);
        Thread writer = null;
        try {
            if (s.receiveBufferSize > 0) {
                socket.setReceiveBufferSize(s.receiveBufferSize);
            }
            socket.setSoTimeout(toMillis(s.soTimeout));
            socket.setTcpNoDelay(true);
            socket.connect(s.target, toMillis(s.connectTimeout));
            local = (InetSocketAddress) socket.getLocalSocketAddress();
            if (s.tls != null) {
                SSLSocket ssl = (SSLSocket) s.tls.createSocket(socket, s.target.getHostString(), s.target.getPort(), true);
                io = ssl;
                ssl.startHandshake();
            }
            if (sequential) {
                // each request is written in the loop below, after the response before it
            } else if (s.bodyFromSeparateThread) {
                writer = new Thread(() -> writeRequests(0, requests), "closepolicy-raw-http-writer");
                writer.setDaemon(true);
                writer.start();
            } else {
                writeRequests(0, requests);
            }
            ResponseReader in = new ResponseReader(io.getInputStream(), s.readChunk, s.readDelay.toNanos(), s.firstReadDelay.toNanos());
            reader = in;
            boolean head = "HEAD".equalsIgnoreCase(s.method);
            for (int i = 0; i < requests; i++) {
                if (sequential) {
                    writeRequests(i, i + 1);
                    if (requestError != null) {
                        break;
                    }
                }
                PartialResponse p = new PartialResponse(s.keepBody);
                partials.add(p);
                ResponseParser.read(in, p, head);
                if (in.eof) {
                    serverClosed = true;
                }
                p.endNanos = System.nanoTime() - t0;
                if (i == 0) {
                    firstResponse.complete(toResult(p, p.endNanos));
                }
                if (!p.complete || (s.stopAtConnectionClose && announcesClose(p))) {
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
            PartialResponse p = i < partials.size() ? partials.get(i) : new PartialResponse(s.keepBody);
            out.add(toResult(p, i == requests - 1 || p.endNanos < 0 ? end : p.endNanos));
        }
        firstResponse.complete(out.get(0));
        return Collections.unmodifiableList(out);
    }

    private static boolean announcesClose(PartialResponse p) {
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
                byte[] h = s.requestHead(paths.get(i), i == requests - 1);
                out.write(h);
                sent += h.length;
                if (s.body != null) {
                    for (int off = 0; off < s.body.length; ) {
                        int k = Math.min(64 * 1024, s.body.length - off);
                        out.write(s.body, off, k);
                        off += k;
                        sent += k;
                    }
                } else if (s.deterministicBodyLength > 0) {
                    byte[] buf = new byte[(int) Math.min(64 * 1024, s.deterministicBodyLength)];
                    for (long pos = 0; pos < s.deterministicBodyLength; ) {
                        int k = (int) Math.min(buf.length, s.deterministicBodyLength - pos);
                        DeterministicBytes.fill(buf, 0, k, pos);
                        out.write(buf, 0, k);
                        pos += k;
                        sent += k;
                    }
                }
            }
            out.flush();
            if (s.closeStyle == RawHttpClient.CloseStyle.HALF_CLOSE_AFTER_REQUEST && to == requests) {
                if (!s.halfCloseDelay.isZero()) {
                    ResponseReader.pause(s.halfCloseDelay.toNanos()); // the client being simulated is busy before it half-closes
                }
                socket.shutdownOutput();
            }
        } catch (IOException e) {
            requestError = e.toString();
            if (isReset(e)) {
                resetSeen = true;
            }
        }
    }

    private void afterResponses(ResponseReader in) throws IOException {
        PartialResponse last = partials.get(partials.size() - 1);
        if (!last.complete || in.eof) {
            return;
        }
        if (s.closeStyle == RawHttpClient.CloseStyle.EOF_WAITING) {
            trailing += in.drain(Long.MAX_VALUE);
        } else if (s.closeStyle == RawHttpClient.CloseStyle.NEVER_CLOSE) {
            hold(in);
        }
    }

    private void hold(ResponseReader in) throws IOException {
        long holdEnd = System.nanoTime() + s.holdTimeout.toNanos();
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
            error = "deadline of " + s.deadline.toMillis() + " ms exceeded";
        } else {
            error = e.toString();
            if (isReset(e)) {
                resetSeen = true;
            }
        }
    }

    private HttpResult toResult(PartialResponse p, long elapsed) {
        return new HttpResult(p.status, p.reason, p.version, p.headers, p.framing, p.bodyLength,
                p.sha.hex(), p.body == null ? null : p.body.toByteArray(), p.complete, serverClosed,
                resetSeen, error, errorAt, sent, requestError, trailing, local, elapsed);
    }

    static void closeQuietly(Socket s) {
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
}
