package org.closepolicy.jetty;

import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.UnaryOperator;
import org.closepolicy.CloseEvent;
import org.closepolicy.CloseListener;
import org.closepolicy.ClosePolicy;
import org.closepolicy.CloseStats;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/** A real Jetty server on 127.0.0.1, an ephemeral port and a {@link ClosePolicyConnector}, recording every close event. */
final class TestServer implements AutoCloseable {

    private final Server server;
    private final ClosePolicyConnector connector;
    private final List<CloseEvent> events = new CopyOnWriteArrayList<>();

    private TestServer(ClosePolicy policy, Handler handler, UnaryOperator<ClosePolicyConnector.Builder> options) throws Exception {
        QueuedThreadPool pool = new QueuedThreadPool(32, 4);
        pool.setName("test-jetty");
        server = new Server(pool);
        CloseListener record = new CloseListener() {
            @Override
            public void onClose(CloseEvent event) {
                events.add(event);
            }
        };
        connector = options.apply(ClosePolicyConnector.builder(server, policy).listener(record).acceptors(1).selectors(1)).build();
        connector.setHost("127.0.0.1");
        connector.setPort(0);
        connector.setAcceptQueueSize(1024);
        server.addConnector(connector);
        server.setHandler(handler);
        server.start();
    }

    static TestServer start(ClosePolicy policy, Handler handler) throws Exception {
        return new TestServer(policy, handler, b -> b);
    }

    static TestServer start(ClosePolicy policy, Handler handler, UnaryOperator<ClosePolicyConnector.Builder> options) throws Exception {
        return new TestServer(policy, handler, options);
    }

    int port() {
        return connector.getLocalPort();
    }

    InetSocketAddress address() {
        return new InetSocketAddress("127.0.0.1", port());
    }

    Server connectorServer() {
        return server;
    }

    ClosePolicyConnector connector() {
        return connector;
    }

    CloseStats stats() {
        return connector.stats();
    }

    List<CloseEvent> events() {
        return events;
    }

    @Override
    public void close() {
        try {
            server.stop();
        } catch (Exception e) {
            throw new IllegalStateException("could not stop the test server", e);
        }
    }
}
