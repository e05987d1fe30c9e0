package org.closepolicy.jetty;

import java.util.concurrent.TimeUnit;
import org.closepolicy.spi.AdapterRuntime;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.server.ConnectionMetaData;
import org.eclipse.jetty.server.Request;

/**
 * Finds the {@link ConnectionControl} of a request or of a Jetty connection: the one of its
 * {@link ClosePolicyEndPoint} (directly, or below TLS), or, on a plain connector, one kept in a connection
 * attribute that makes reuse decisions only.
 * <pre>{@code
 * Http1Exchanges http1 = ControlLookup.http1Of(request, runtime);
 * Http2Retirement http2 = ControlLookup.http2Of(meta.getConnection()); // null: not HTTP/2 on our endpoint
 * }</pre>
 *
 * <p>Thread-safety: thread-safe (stateless).
 */
final class ControlLookup {

    private ControlLookup() {
    }

    /**
     * The HTTP/1 exchanges of the connection carrying this request: the endpoint's own control's when
     * the connection runs directly on a {@link ClosePolicyEndPoint}, else those of a control kept in a
     * connection attribute (reuse decisions only).
     */
    static Http1Exchanges http1Of(Request request, AdapterRuntime runtime) {
        return of(request, runtime).http1;
    }

    private static ConnectionControl of(Request request, AdapterRuntime runtime) {
        ConnectionMetaData meta = request.getConnectionMetaData();
        Connection connection = meta.getConnection();
        ClosePolicyEndPoint cp = connection == null ? null : below(connection.getEndPoint());
        if (cp != null) {
            return cp.control();
        }
        Object existing = meta.getAttribute(ConnectionControl.ATTRIBUTE);
        if (existing instanceof ConnectionControl c) {
            return c;
        }
        ConnectionControl c = reuseOnly(runtime, meta, connection);
        meta.setAttribute(ConnectionControl.ATTRIBUTE, c);
        return c;
    }

    /** A control of a connection on a plain connector: reuse decisions only, its age taken from Jetty's. */
    private static ConnectionControl reuseOnly(AdapterRuntime runtime, ConnectionMetaData meta, Connection connection) {
        long now = runtime.ticker().nanos();
        long ageMillis = connection == null ? 0 : Math.max(0, System.currentTimeMillis() - connection.getCreatedTimeStamp());
        return new ConnectionControl(runtime, null, null, null, ConnectionControl.inet(meta.getRemoteSocketAddress()),
                ConnectionControl.inet(meta.getLocalSocketAddress()), now - TimeUnit.MILLISECONDS.toNanos(ageMillis));
    }

    /**
     * The HTTP/2 side of this connection's control when it runs on a {@link ClosePolicyEndPoint} (directly
     * or below TLS), else null: on a plain connector HTTP/2 passes through untouched.
     */
    static Http2Retirement http2Of(Connection connection) {
        ClosePolicyEndPoint cp = connection == null ? null : below(connection.getEndPoint());
        if (cp == null || !Http2Sessions.isHttp2(connection)) {
            return null;
        }
        ConnectionControl c = cp.control();
        Http2Retirement h = Http2Retirement.of(c);
        h.onOpen(connection); // in case the connector's listener did not see it open
        return h;
    }

    /** The {@link ClosePolicyEndPoint} under this endpoint (itself, or the one below TLS), or null. */
    static ClosePolicyEndPoint below(EndPoint ep) {
        EndPoint e = ep;
        while (e instanceof EndPoint.Wrapper w && !(e instanceof ClosePolicyEndPoint)) {
            e = w.unwrap();
        }
        return e instanceof ClosePolicyEndPoint cp ? cp : null;
    }
}
