package org.closepolicy.reliability;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.closepolicy.ClosePolicy;
import org.closepolicy.CloseStats;
import org.closepolicy.jetty.ClosePolicyConnector;
import org.closepolicy.testkit.TimeWaitCounter;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.Fields;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/** The test routes on Jetty: a {@link ClosePolicyConnector}, one acceptor, one selector, non-blocking handlers. */
final class JettyServer implements ServerUnderTest {

    private final Server server;
    private final ClosePolicyConnector connector;
    private final CloseRecorder events;
    private final TimeWaitCounter.Since timeWait;

    private JettyServer(ClosePolicy policy, Options options) throws Exception {
        this.events = new CloseRecorder(options.keepEvents());
        QueuedThreadPool pool = new QueuedThreadPool(32, 4);
        pool.setName("reliability-jetty");
        server = new Server(pool);
        HttpConfiguration config = new HttpConfiguration();
        config.setRequestHeaderSize(Payloads.MAX_HEADER_BYTES);
        config.setSendServerVersion(false);
        connector = ClosePolicyConnector.builder(server, policy)
                .listener(events)
                .factories(new HttpConnectionFactory(config))
                .acceptors(1)
                .selectors(1)
                .build();
        connector.setHost(options.host().getHostAddress());
        connector.setPort(0);
        connector.setAcceptQueueSize(4096);
        connector.setIdleTimeout(options.idleTimeout().toMillis());
        server.addConnector(connector);
        server.setHandler(new Routes());
        server.start();
        this.timeWait = TimeWaitCounter.since(connector.getLocalPort());
    }

    static JettyServer start(ClosePolicy policy, Options options) {
        try {
            return new JettyServer(policy, options);
        } catch (Exception e) {
            throw new IllegalStateException("Jetty did not start", e);
        }
    }

    @Override
    public Adapter adapter() {
        return Adapter.JETTY;
    }

    @Override
    public InetSocketAddress address() {
        return new InetSocketAddress(connector.getHost(), connector.getLocalPort());
    }

    @Override
    public CloseStats stats() {
        return connector.stats();
    }

    @Override
    public CloseRecorder events() {
        return events;
    }

    @Override
    public TimeWaitCounter.Since timeWait() {
        return timeWait;
    }

    @Override
    public void close() {
        try {
            server.stop();
        } catch (Exception e) {
            throw new IllegalStateException("Jetty did not stop", e);
        }
    }

    private static final class Routes extends Handler.Abstract.NonBlocking {
        @Override
        public boolean handle(Request request, Response response, Callback callback) {
            switch (Request.getPathInContext(request)) {
                case "/weather.xml" -> bytes(response, Payloads.SMALL, callback);
                case "/bytes" -> {
                    Fields query = Request.extractQueryParameters(request);
                    bytes(response, Integer.parseInt(query.getValue("n")), callback);
                }
                case "/upload" -> {
                    if (request.getLength() > Payloads.UPLOAD_LIMIT) {
                        // Answer before reading the body: the early 413.
                        text(response, HttpStatus.PAYLOAD_TOO_LARGE_413, "request body too large\n", callback);
                    } else {
                        Content.Source.consumeAll(request, Callback.from(
                                () -> text(response, HttpStatus.OK_200, "ok\n", callback), callback::failed));
                    }
                }
                default -> text(response, HttpStatus.NOT_FOUND_404, "not found\n", callback);
            }
            return true;
        }

        private static void bytes(Response response, int n, Callback callback) {
            response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/octet-stream");
            response.getHeaders().put(HttpHeader.CONTENT_LENGTH, n);
            response.write(true, ByteBuffer.wrap(Payloads.body(n)).asReadOnlyBuffer(), callback);
        }

        private static void text(Response response, int status, String body, Callback callback) {
            byte[] b = body.getBytes(StandardCharsets.US_ASCII);
            response.setStatus(status);
            response.getHeaders().put(HttpHeader.CONTENT_TYPE, "text/plain");
            response.getHeaders().put(HttpHeader.CONTENT_LENGTH, b.length);
            response.write(true, ByteBuffer.wrap(b), callback);
        }
    }
}
