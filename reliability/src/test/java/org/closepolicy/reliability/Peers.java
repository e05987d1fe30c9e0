package org.closepolicy.reliability;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import org.closepolicy.testkit.ResponseHeaders;

/** Hand-made peers for the hostile scenarios: raw sockets doing what no well-behaved client does. */
final class Peers {

    private Peers() {
    }

    static Socket connect(InetSocketAddress server, int receiveBuffer) throws IOException {
        Socket s = new Socket();
        if (receiveBuffer > 0) {
            s.setReceiveBufferSize(receiveBuffer);
        }
        s.setSoTimeout(15_000);
        s.connect(server, 5_000);
        return s;
    }

    static void send(Socket s, String text) throws IOException {
        OutputStream o = s.getOutputStream();
        o.write(text.getBytes(StandardCharsets.ISO_8859_1));
        o.flush();
    }

    static String get(String path) {
        return "GET " + path + " HTTP/1.1\r\nHost: test\r\n\r\n";
    }

    /** Reads exactly {@code n} bytes (or fails at EOF). */
    static void readAtLeast(Socket s, long n) throws IOException {
        InputStream in = s.getInputStream();
        byte[] buf = new byte[8192];
        long read = 0;
        while (read < n) {
            int k = in.read(buf, 0, (int) Math.min(buf.length, n - read));
            if (k < 0) {
                throw new IOException("EOF after " + read + " of " + n + " bytes");
            }
            read += k;
        }
    }

    /** Reads one response with a Content-Length; returns its status. */
    static int readResponse(Socket s) throws IOException {
        InputStream in = s.getInputStream();
        String h = ResponseHeaders.readHead(in);
        int status = Integer.parseInt(h.substring(9, 12));
        long length = 0;
        for (String line : h.split("\r\n")) {
            if (line.regionMatches(true, 0, "Content-Length:", 0, 15)) {
                length = Long.parseLong(line.substring(15).trim());
            }
        }
        readAtLeast(s, length);
        return status;
    }

    /**
     * What the server did to the connection, read until EOF, reset or {@code timeoutMillis}: "EOF", "RST" or
     * "OPEN"; bytes that arrive meanwhile are discarded.
     */
    static String awaitEnd(Socket s, int timeoutMillis) throws IOException {
        s.setSoTimeout(timeoutMillis);
        InputStream in = s.getInputStream();
        byte[] buf = new byte[8192];
        try {
            while (in.read(buf) >= 0) {
                // discard
            }
            return "EOF";
        } catch (SocketTimeoutException e) {
            return "OPEN";
        } catch (SocketException e) {
            return "RST";
        }
    }

    /** Closes with SO_LINGER 0: an RST instead of a FIN. */
    static void reset(Socket s) throws IOException {
        s.setSoLinger(true, 0);
        s.close();
    }

    static void closeQuietly(Socket s) {
        if (s == null) {
            return;
        }
        try {
            s.close();
        } catch (IOException ignored) {
            // best effort
        }
    }
}
