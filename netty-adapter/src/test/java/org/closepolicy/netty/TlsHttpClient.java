package org.closepolicy.netty;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.locks.LockSupport;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import org.closepolicy.testkit.Sha256;

/**
 * A one-request HTTP/1.1 client over TLS on a raw {@link SSLSocket}, closing like curl: it reads the response
 * delimited by its Content-Length, then closes (the JDK sends {@code close_notify}, then the FIN). With
 * {@code readToEof} it first reads on until the server ends the connection and reports how it ended.
 *
 * @param receiveBuffer     SO_RCVBUF, or 0 for the default (small values make a slow reader)
 * @param readChunk         bytes per read
 * @param readDelay         pause between reads (a slow reader)
 * @param readToEof         after the body, wait for the server's end of the connection
 */
record TlsHttpClient(SSLContext tls, InetSocketAddress target, int receiveBuffer, int readChunk, Duration readDelay,
        boolean readToEof) {

    /** What one exchange saw. {@code end} is how the server ended the connection when {@code readToEof}. */
    record Result(int status, String connection, long bodyLength, String bodySha256, End end) {
    }

    /** How the server ended the connection, as the TLS client saw it. */
    enum End {
        /** Not observed (the client closed first). */
        NOT_READ,
        /** A TLS record (the {@code close_notify} alert), then EOF: a clean TLS close. */
        CLOSE_NOTIFY,
        /** EOF without any record before it, or a reset. */
        TRUNCATED
    }

    static TlsHttpClient curlLike(SSLContext tls, InetSocketAddress target) {
        return new TlsHttpClient(tls, target, 0, 16 * 1024, Duration.ZERO, false);
    }

    TlsHttpClient slow(int receiveBuffer, Duration readDelay) {
        return new TlsHttpClient(tls, target, receiveBuffer, 16 * 1024, readDelay, readToEof);
    }

    TlsHttpClient readingToEof() {
        return new TlsHttpClient(tls, target, receiveBuffer, readChunk, readDelay, true);
    }

    Result send(String path) throws IOException {
        // TLS layered over a plain socket, so that what follows the body can be read raw: the JDK treats an EOF
        // without close_notify like a close_notify, so only the raw bytes tell the two apart.
        try (Socket plain = new Socket()) {
            if (receiveBuffer > 0) {
                plain.setReceiveBufferSize(receiveBuffer);
            }
            plain.connect(target, 5_000);
            plain.setSoTimeout(20_000);
            SSLSocket s = (SSLSocket) tls.getSocketFactory().createSocket(plain, "localhost", target.getPort(), false);
            try {
                return exchange(s, plain, path);
            } finally {
                try {
                    s.close(); // close_notify; the plain socket's close then sends the FIN
                } catch (IOException e) {
                    // the server reset or closed first: nothing left to tell it
                }
            }
        }
    }

    private Result exchange(SSLSocket s, Socket plain, String path) throws IOException {
        OutputStream out = s.getOutputStream();
        out.write(("GET " + path + " HTTP/1.1\r\nHost: localhost\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        out.flush();
        InputStream in = s.getInputStream();
        String head = readHead(in);
        String[] lines = head.split("\r\n");
        int status = Integer.parseInt(lines[0].split(" ")[1]);
        long length = -1;
        String connection = null;
        for (int i = 1; i < lines.length; i++) {
            int colon = lines[i].indexOf(':');
            String name = lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT);
            String value = lines[i].substring(colon + 1).trim();
            if (name.equals("content-length")) {
                length = Long.parseLong(value);
            } else if (name.equals("connection")) {
                connection = value;
            }
        }
        if (length < 0) {
            throw new IOException("no Content-Length: " + head);
        }
        Sha256 sha = new Sha256();
        byte[] buf = new byte[readChunk];
        long left = length;
        long pause = readDelay.toNanos();
        while (left > 0) {
            int n = in.read(buf, 0, (int) Math.min(buf.length, left));
            if (n < 0) {
                break;
            }
            sha.update(buf, 0, n);
            left -= n;
            if (pause > 0) {
                LockSupport.parkNanos(pause); // pacing of a slow reader, not synchronisation
            }
        }
        End end = End.NOT_READ;
        if (readToEof) {
            long raw = 0;
            try {
                InputStream rawIn = plain.getInputStream();
                for (int n; (n = rawIn.read(buf)) >= 0; ) {
                    raw += n;
                }
                end = raw > 0 ? End.CLOSE_NOTIFY : End.TRUNCATED;
            } catch (SocketException e) {
                end = End.TRUNCATED;
            }
        }
        return new Result(status, connection, sha.length(), sha.hex(), end);
    }

    private static String readHead(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int matched = 0;
        while (matched < 4) {
            int b = in.read();
            if (b < 0) {
                throw new IOException("EOF in the response head: " + head.toString(StandardCharsets.US_ASCII));
            }
            head.write(b);
            matched = (b == '\r' && (matched == 0 || matched == 2)) || (b == '\n' && (matched == 1 || matched == 3)) ? matched + 1 : 0;
        }
        String s = head.toString(StandardCharsets.US_ASCII);
        return s.substring(0, s.length() - 4);
    }
}
