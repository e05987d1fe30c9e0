package org.closepolicy.jetty;

import java.nio.ByteBuffer;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.MetaData;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.ConnectionMetaData;
import org.eclipse.jetty.server.HttpStream;
import org.eclipse.jetty.util.Callback;

/**
 * Wraps Jetty's HTTP/1 stream for one exchange to see what a {@code Request}/{@code Response} pair
 * does not show: the moment of commit with the mutable response headers
 * ({@link #prepareResponse}, where the policy decides and {@code Connection: close} is added), the
 * last write and its completion ({@link #send}), whether the request body was read to its end
 * ({@link #read}), and the end of the exchange ({@link #succeeded}).
 *
 * <p>Thread-safety: used by one exchange at a time, as Jetty uses its stream.
 */
final class ExchangeStream extends HttpStream.Wrapper {

    private final ConnectionControl control;
    private final ConnectionMetaData meta;

    ExchangeStream(HttpStream wrapped, ConnectionControl control, ConnectionMetaData meta) {
        super(wrapped);
        this.control = control;
        this.meta = meta;
    }

    @Override
    public Content.Chunk read() {
        Content.Chunk chunk = super.read();
        if (chunk != null && chunk.isLast()) {
            control.onBodyDone();
        }
        return chunk;
    }

    @Override
    public void prepareResponse(HttpFields.Mutable headers) {
        control.onCommit(headers, meta);
        super.prepareResponse(headers);
    }

    @Override
    public void send(MetaData.Request request, MetaData.Response response, boolean last, ByteBuffer content, Callback callback) {
        MetaData.Response framed = response == null ? null : control.frame(response);
        Callback cb = last ? control.onLastSend(callback) : callback;
        super.send(request, framed, last, content, cb);
    }

    @Override
    public void succeeded() {
        control.endExchange(meta.isPersistent());
        super.succeeded();
    }

    @Override
    public void failed(Throwable x) {
        control.endExchange(true);
        super.failed(x);
    }
}
