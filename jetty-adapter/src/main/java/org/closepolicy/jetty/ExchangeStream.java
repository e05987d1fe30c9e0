package org.closepolicy.jetty;

import java.nio.ByteBuffer;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.MetaData;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.io.QuietException;
import org.eclipse.jetty.server.ConnectionMetaData;
import org.eclipse.jetty.server.HttpStream;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.util.Callback;

/**
 * Wraps Jetty's HTTP/1 stream for one exchange to see what a {@code Request}/{@code Response} pair
 * does not show: the moment of commit with the mutable response headers
 * ({@link #prepareResponse}, where the policy decides and {@code Connection: close} is added), the
 * last write ({@link #send}, where a retiring connection is retired), whether the request body was
 * read to its end ({@link #read}), and the end of the exchange ({@link #succeeded}), where a retired
 * connection is handed to a {@link DrainConnection}.
 *
 * <p>Thread-safety: used by one exchange at a time, as Jetty uses its stream.
 */
final class ExchangeStream extends HttpStream.Wrapper {

    private final Http1Exchanges exchanges;
    private final Request request;
    private final ConnectionMetaData meta;

    ExchangeStream(HttpStream wrapped, Http1Exchanges exchanges, Request request) {
        super(wrapped);
        this.exchanges = exchanges;
        this.request = request;
        this.meta = request.getConnectionMetaData();
    }

    @Override
    public Content.Chunk read() {
        Content.Chunk chunk = super.read();
        if (chunk != null && chunk.isLast()) {
            exchanges.onBodyDone();
        }
        return chunk;
    }

    @Override
    public void prepareResponse(HttpFields.Mutable headers) {
        exchanges.onCommit(headers, meta);
        super.prepareResponse(headers);
    }

    @Override
    public void send(MetaData.Request request, MetaData.Response response, boolean last, ByteBuffer content, Callback callback) {
        MetaData.Response framed = response == null ? null : exchanges.frame(response);
        if (!last) {
            super.send(request, framed, false, content, callback);
            return;
        }
        exchanges.onLastSend();
        try {
            super.send(request, framed, true, content, callback);
        } finally {
            exchanges.afterLastSend();
        }
    }

    @Override
    public void succeeded() {
        end(meta.isPersistent());
        super.succeeded();
    }

    /** Ends the exchange; a retired connection is then handed to a {@link DrainConnection} through Jetty's upgrade. */
    private void end(boolean persistent) {
        Connection drain = exchanges.endExchange(persistent);
        if (drain != null) {
            request.setAttribute(HttpStream.UPGRADE_CONNECTION_ATTRIBUTE, drain);
        }
    }

    @Override
    public void failed(Throwable x) {
        if (exchanges.managesClose() && onlyUnconsumed(x)) {
            // Jetty 12.1 fails an exchange whose request body was not read, and the failure closes the
            // socket with that body still unread: the kernel then answers with an RST that can destroy
            // the response just written (rule 3). The response is complete, so end the exchange as a
            // non-persistent success and let the close policy drain the input and close.
            end(false);
            super.succeeded();
            return;
        }
        exchanges.endExchange(true);
        super.failed(x);
    }

    /** Whether the only failure is Jetty's "request content not consumed". */
    static boolean onlyUnconsumed(Throwable x) {
        for (Throwable t = x; t != null; t = t.getCause()) {
            if (t.getSuppressed().length > 0) {
                return false;
            }
            if (t == HttpStream.CONTENT_NOT_CONSUMED) {
                return true;
            }
            if (!(t instanceof QuietException)) {
                return false;
            }
        }
        return false;
    }
}
