package org.closepolicy.examples;

import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import org.closepolicy.DrainReport;
import java.util.concurrent.atomic.AtomicBoolean;
import org.closepolicy.CloseStats;
import org.closepolicy.jetty.ClosePolicyConnector;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpHeaderValue;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.handler.GracefulHandler;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.Fields;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/**
 * The example endpoints on Jetty 12: one connector carrying the close policy and one
 * {@link Handler.Abstract} for the endpoints, inside a {@link GracefulHandler} so a stop lets
 * requests in flight finish.
 *
 * <p>Thread-safety: thread-safe.
 */
final class JettyExampleServer implements ExampleServer {

    private final ServerConfig config;
    private final Server server;
    private final ServerConnector connector;
    private final CloseStats stats;
    private final AtomicBoolean stopped = new AtomicBoolean();

    private final Wire wire;

    private JettyExampleServer(ServerConfig config, Wire wire) {
        this.config = config;
        this.wire = wire;
        QueuedThreadPool threads = new QueuedThreadPool(64, 4);
        threads.setName("jetty");
        this.server = new Server(threads);
        this.connector = newConnector(server);
        this.stats = connector instanceof ClosePolicyConnector c ? c.stats() : new CloseStats();
        connector.setHost(config.host());
        connector.setPort(config.port());
        connector.setAcceptQueueSize(1024);
        connector.setReuseAddress(true);
        connector.setReusePort(config.reusePort());
        server.addConnector(connector);
        // The bare server stops the framework's way (GracefulHandler answers 503 to requests that arrive while it
        // stops); with a policy the connector drains instead: every request gets its answer, the last one
        // carrying Connection: close.
        server.setHandler(config.bare() ? new GracefulHandler(new App()) : new App());
        server.setStopAtShutdown(false);
    }

    /** The one place where the close policy meets the server: its connector (a plain one for a bare server). */
    private ServerConnector newConnector(Server s) {
        if (wire.equals(Wire.CLEARTEXT_HTTP1)) {
            return config.bare() ? new ServerConnector(s) : new ClosePolicyConnector(s, config.policy());
        }
        if (config.bare()) {
            return new ServerConnector(s, JettyWire.bareFactories(wire));
        }
        ClosePolicyConnector.Builder b = ClosePolicyConnector.builder(s, config.policy());
        if (wire.tls()) {
            b.tls(JettyWire.sslContextFactory(wire)).httpConfiguration(JettyWire.httpConfiguration(wire));
        }
        if (wire.http2()) {
            b.http2();
        }
        return b.build();
    }

    static JettyExampleServer start(ServerConfig config) throws Exception {
        return start(config, Wire.CLEARTEXT_HTTP1);
    }

    static JettyExampleServer start(ServerConfig config, Wire wire) throws Exception {
        JettyExampleServer s = new JettyExampleServer(config, wire);
        try {
            s.server.start();
        } catch (Exception e) {
            s.stop(Duration.ZERO);
            throw e;
        }
        return s;
    }

    @Override
    public ServerConfig config() {
        return config;
    }

    @Override
    public int port() {
        return connector.getLocalPort();
    }

    @Override
    public CloseStats stats() {
        return stats;
    }

    @Override
    public void stop(Duration drain) {
        if (!stopped.compareAndSet(false, true)) {
            return;
        }
        server.setStopTimeout(Math.max(1, drain.toMillis()));
        try {
            server.stop(); // stop accepting, drain (ClosePolicyConnector is Jetty-Graceful), stop
        } catch (Exception e) {
            // Stopping is best effort: whatever did not stop in time is abandoned with the process.
        }
    }

    @Override
    public DrainReport drainReport() {
        return connector instanceof ClosePolicyConnector c && c.draining() ? c.drain(Duration.ZERO).getNow(null) : null;
    }

    /** The endpoints. Handlers may block: Jetty calls them on a pool thread. */
    private final class App extends Handler.Abstract {

        @Override
        public boolean handle(Request request, Response response, Callback callback) throws Exception {
            String path = Request.getPathInContext(request);
            Endpoints.Route route = Endpoints.route(request.getMethod(), path);
            boolean head = request.getMethod().equals("HEAD");
            Fields query = Request.extractQueryParameters(request);
            switch (route) {
                case WEATHER -> send(response, callback, HttpStatus.OK_200, WeatherXml.CONTENT_TYPE, WeatherXml.shared(), head);
                case STATS -> send(response, callback, HttpStatus.OK_200, Endpoints.JSON_TYPE,
                        Endpoints.statsJson(JettyExampleServer.this).getBytes(StandardCharsets.UTF_8), head);
                case BYTES -> bytes(response, callback, query.getValue("n"), head);
                case UPLOAD -> upload(request, response, callback, Endpoints.early413(query.getValue("early")));
                case METHOD_NOT_ALLOWED -> {
                    response.getHeaders().put(HttpHeader.ALLOW,
                            Endpoints.allowed(path.equals(Endpoints.UPLOAD) ? Endpoints.Route.UPLOAD : Endpoints.Route.WEATHER));
                    text(response, callback, HttpStatus.METHOD_NOT_ALLOWED_405, request.getMethod() + " is not allowed here\n");
                }
                case NOT_FOUND -> text(response, callback, HttpStatus.NOT_FOUND_404, Endpoints.notFound(path));
            }
            return true;
        }

        private void bytes(Response response, Callback callback, String raw, boolean head) throws Exception {
            long n;
            try {
                n = Payloads.parseCount(raw);
            } catch (IllegalArgumentException e) {
                text(response, callback, HttpStatus.BAD_REQUEST_400, e.getMessage() + "\n");
                return;
            }
            String sha = Payloads.sha256Hex(n);
            response.setStatus(HttpStatus.OK_200);
            response.getHeaders().put(HttpHeader.CONTENT_TYPE, Endpoints.BINARY_TYPE);
            response.getHeaders().put(HttpHeader.CONTENT_LENGTH, n);
            response.getHeaders().put(Endpoints.SHA_HEADER, sha);
            if (head) {
                response.write(true, null, callback);
                return;
            }
            try (OutputStream out = Content.Sink.asOutputStream(response)) {
                byte[] buf = new byte[Payloads.CHUNK];
                for (long off = 0; off < n; off += buf.length) {
                    int len = (int) Math.min(buf.length, n - off);
                    Payloads.fill(off, buf, len);
                    out.write(buf, 0, len);
                }
            } catch (Exception e) {
                callback.failed(e);
                return;
            }
            callback.succeeded();
        }

        private void upload(Request request, Response response, Callback callback, boolean early) throws Exception {
            if (early) {
                response.getHeaders().put(HttpHeader.CONNECTION, HttpHeaderValue.CLOSE.asString());
                text(response, callback, HttpStatus.PAYLOAD_TOO_LARGE_413, Endpoints.earlyRejected());
                return;
            }
            MessageDigest md = Payloads.sha256();
            long total = 0;
            try (InputStream in = Content.Source.asInputStream(request)) {
                byte[] buf = new byte[Payloads.CHUNK];
                int n;
                while ((n = in.read(buf)) >= 0) {
                    md.update(buf, 0, n);
                    total += n;
                }
            } catch (Exception e) {
                callback.failed(e);
                return;
            }
            send(response, callback, HttpStatus.OK_200, Endpoints.JSON_TYPE,
                    Endpoints.uploadReply(total, Payloads.hex(md.digest())).getBytes(StandardCharsets.UTF_8), false);
        }

        private void text(Response response, Callback callback, int status, String body) {
            send(response, callback, status, Endpoints.TEXT_TYPE, body.getBytes(StandardCharsets.UTF_8), false);
        }

        private void send(Response response, Callback callback, int status, String type, byte[] body, boolean head) {
            response.setStatus(status);
            response.getHeaders().put(HttpHeader.CONTENT_TYPE, type);
            response.getHeaders().put(HttpHeader.CONTENT_LENGTH, body.length);
            response.write(true, head ? null : ByteBuffer.wrap(body), callback);
        }
    }
}
