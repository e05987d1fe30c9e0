package org.closepolicy.testkit;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * A keep-alive HTTP/1.1 client that sends one request, is told {@code Connection: close}, and never closes: it
 * does not even read its response until the test asks, so the server's client-first wait runs out and its
 * fallback (or a drain's deadline) decides the close. {@link #readResponse(int)} then reads what the kernel
 * kept for it: a close that was safe leaves the whole response readable, an RST with unacknowledged bytes
 * does not.
 * <pre>{@code
 * try (PeerThatNeverCloses peer = PeerThatNeverCloses.connect(server.address())) {
 *     peer.request("/bytes?n=100000");
 *     ... // drain, wait for the server's close
 *     PeerThatNeverCloses.Response r = peer.readResponse(100_000);
 *     assertThat(r.bodyIntact()).isTrue();
 * }
 * }</pre>
 *
 * <p>Thread-safety: not thread-safe; one test thread.
 */
public final class PeerThatNeverCloses implements AutoCloseable {

    /**
     * What the peer read after the server's close.
     *
     * @param toldToClose whether the response head carried {@code Connection: close}
     * @param bodyIntact  whether the body had the expected length and SHA-256 ({@link DeterministicBytes})
     * @param bytesAfter  bytes that followed the response (0 when the server sent nothing more)
     * @param endedBy     how the connection ended after the response: {@code EOF} or {@code RST}
     */
    public record Response(boolean toldToClose, boolean bodyIntact, long bytesAfter, String endedBy) {
    }

    private final Socket socket;

    private PeerThatNeverCloses(Socket socket) {
        this.socket = socket;
    }

    /** Connects to {@code target}. */
    public static PeerThatNeverCloses connect(InetSocketAddress target) throws IOException {
        Socket s = new Socket();
        s.connect(target, 5_000);
        s.setSoTimeout(30_000);
        return new PeerThatNeverCloses(s);
    }

    /** Sends {@code GET path} and reads nothing. */
    public void request(String path) throws IOException {
        socket.getOutputStream().write(("GET " + path + " HTTP/1.1\r\nHost: peer\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        socket.getOutputStream().flush();
    }

    /** Reads the response to the request (a body of {@code bodyLength} deterministic bytes) and how the connection ended. */
    public Response readResponse(int bodyLength) throws IOException {
        InputStream in = socket.getInputStream();
        String head = ResponseHeaders.readHead(in).toLowerCase(Locale.ROOT);
        boolean close = head.contains("\r\nconnection: close");
        byte[] body = new byte[bodyLength];
        int have = 0;
        while (have < bodyLength) {
            int n = in.read(body, have, bodyLength - have);
            if (n < 0) {
                throw new EOFException("body ended after " + have + " of " + bodyLength + " bytes");
            }
            have += n;
        }
        boolean intact = DeterministicBytes.sha256Hex(body).equals(DeterministicBytes.sha256Hex(bodyLength));
        long after = 0;
        String ended;
        try {
            while (in.read() >= 0) {
                after++;
            }
            ended = "EOF";
        } catch (SocketException e) {
            ended = "RST";
        }
        return new Response(close, intact, after, ended);
    }

    /** Whether the socket is still open on this side (the peer never closes by itself). */
    public boolean open() {
        return !socket.isClosed();
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
