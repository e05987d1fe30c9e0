package org.closepolicy.examples;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.Arrays;
import java.util.Locale;

/**
 * The JDK's {@link HttpClient} (HTTP/1.1, its own connection pool) requesting from several threads with a pause
 * between requests, as an application does. The client retries a {@code GET} once by itself when a pooled
 * connection ends before any byte of the response and when a connect is refused; only what reaches the
 * application is counted here.
 *
 * <p>Thread-safety: thread-safe.
 */
final class JdkHttpClients extends PacedClients {

    private final byte[] expected = WeatherXml.shared();
    private HttpClient client;
    private HttpRequest request;

    JdkHttpClients(Duration thinkMax) {
        super(thinkMax);
    }

    @Override
    public String name() {
        return "JDK HttpClient, idle between requests";
    }

    @Override
    public void start(InetSocketAddress target, int threadCount) {
        client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
        request = HttpRequest.newBuilder(URI.create("http://" + target.getHostString() + ":" + target.getPort() + Endpoints.WEATHER))
                .timeout(Duration.ofSeconds(10)).GET().build();
        startThreads("jdk-http-client", threadCount);
    }

    @Override
    void requestOnce() throws InterruptedException {
        failures.sent.increment();
        try {
            HttpResponse<byte[]> r = client.send(request, HttpResponse.BodyHandlers.ofByteArray());
            if (r.statusCode() / 100 == 2 && Arrays.equals(r.body(), expected)) {
                failures.ok.increment();
            } else {
                failures.bad.increment();
            }
        } catch (IOException e) {
            classify(e).increment();
        }
    }

    /** The client's exceptions carry the kind only in their type and message. */
    private java.util.concurrent.atomic.LongAdder classify(IOException e) {
        String m = String.valueOf(e.getMessage()).toLowerCase(Locale.ROOT);
        if (e instanceof ConnectException) {
            return failures.connect;
        }
        if (e instanceof HttpTimeoutException) {
            return failures.midResponse;
        }
        if (m.contains("received no bytes") || m.contains("eof reached while reading") && !m.contains("body")) {
            return failures.eofBeforeResponse;
        }
        if (m.contains("reset") || m.contains("broken pipe")) {
            return failures.resetBeforeResponse;
        }
        return failures.midResponse;
    }
}
