package org.closepolicy.testkit;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import javax.net.ssl.SSLSocketFactory;

/**
 * The settings of a {@link RawHttpClient}, with their defaults, and the request head they make. A
 * {@link RawHttpClient.Builder} fills its own copy; {@link #copy()} gives each built client one that nothing changes.
 *
 * <p>Thread-safety: not thread-safe while a builder fills it; a client's copy is never changed, so it may be read
 * from any thread.
 */
final class ClientSettings {
    final InetSocketAddress target;
    RawHttpClient.Version version = RawHttpClient.Version.HTTP_1_1;
    boolean keepAlive;
    String method = "GET";
    String path = "/";
    final List<Map.Entry<String, String>> headers = new ArrayList<>();
    byte[] body;
    long deterministicBodyLength = -1;
    boolean bodyFromSeparateThread;
    boolean connectionClose;
    int receiveBufferSize;
    int readChunk = 64 * 1024;
    Duration readDelay = Duration.ZERO;
    Duration firstReadDelay = Duration.ZERO;
    Duration halfCloseDelay = Duration.ZERO;
    RawHttpClient.CloseStyle closeStyle = RawHttpClient.CloseStyle.CURL_LIKE;
    Duration soTimeout = Duration.ofSeconds(10);
    Duration connectTimeout = Duration.ofSeconds(5);
    Duration deadline = Duration.ofSeconds(30);
    Duration holdTimeout = Duration.ofSeconds(10);
    boolean keepBody;
    boolean stopAtConnectionClose;
    SSLSocketFactory tls;

    ClientSettings(InetSocketAddress target) {
        this.target = target;
    }

    /** A copy that shares nothing that either may change (the body array is never written). */
    ClientSettings copy() {
        ClientSettings c = new ClientSettings(target);
        c.version = version;
        c.keepAlive = keepAlive;
        c.method = method;
        c.path = path;
        c.headers.addAll(headers);
        c.body = body;
        c.deterministicBodyLength = deterministicBodyLength;
        c.bodyFromSeparateThread = bodyFromSeparateThread;
        c.connectionClose = connectionClose;
        c.receiveBufferSize = receiveBufferSize;
        c.readChunk = readChunk;
        c.readDelay = readDelay;
        c.firstReadDelay = firstReadDelay;
        c.halfCloseDelay = halfCloseDelay;
        c.closeStyle = closeStyle;
        c.soTimeout = soTimeout;
        c.connectTimeout = connectTimeout;
        c.deadline = deadline;
        c.holdTimeout = holdTimeout;
        c.keepBody = keepBody;
        c.stopAtConnectionClose = stopAtConnectionClose;
        c.tls = tls;
        return c;
    }

    /** The request line and header fields for {@code requestPath}; {@code last}: the last request on the connection. */
    byte[] requestHead(String requestPath, boolean last) {
        StringBuilder sb = new StringBuilder(256);
        sb.append(method).append(' ').append(requestPath).append(' ').append(version.text()).append("\r\n");
        if (!hasHeader("Host")) {
            String host = target.getHostString();
            sb.append("Host: ").append(host.indexOf(':') >= 0 ? "[" + host + "]" : host)
                    .append(':').append(target.getPort()).append("\r\n");
        }
        if (!hasHeader("User-Agent")) {
            sb.append("User-Agent: closepolicy-testkit\r\n");
        }
        if (!hasHeader("Connection")) {
            if (connectionClose && last) {
                sb.append("Connection: close\r\n");
            } else if (version == RawHttpClient.Version.HTTP_1_0 && keepAlive) {
                sb.append("Connection: keep-alive\r\n");
            }
        }
        long bodyLength = body != null ? body.length : deterministicBodyLength;
        if (bodyLength >= 0 && !hasHeader("Content-Length") && !hasHeader("Transfer-Encoding")) {
            sb.append("Content-Length: ").append(bodyLength).append("\r\n");
        }
        for (Map.Entry<String, String> h : headers) {
            sb.append(h.getKey()).append(": ").append(h.getValue()).append("\r\n");
        }
        sb.append("\r\n");
        return sb.toString().getBytes(StandardCharsets.ISO_8859_1);
    }

    private boolean hasHeader(String name) {
        for (Map.Entry<String, String> h : headers) {
            if (h.getKey().equalsIgnoreCase(name)) {
                return true;
            }
        }
        return false;
    }
}
