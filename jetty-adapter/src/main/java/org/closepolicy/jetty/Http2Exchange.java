package org.closepolicy.jetty;

import java.nio.ByteBuffer;
import org.eclipse.jetty.http.MetaData;
import org.eclipse.jetty.server.HttpStream;
import org.eclipse.jetty.util.Callback;

/**
 * Wraps Jetty's stream of one HTTP/2 exchange to tell the connection's policy state when the stream
 * ends, successfully or not: the moment the connection's reuse is decided, and the moment a
 * draining connection may find its last stream gone.
 *
 * <p>Thread-safety: Jetty ends a stream once; the end is reported once.
 */
final class Http2Exchange extends HttpStream.Wrapper {

    private final Http2Retirement http2;
    private final int streamId;
    private boolean ended;
    private boolean responded;

    Http2Exchange(HttpStream wrapped, Http2Retirement http2, int streamId) {
        super(wrapped);
        this.http2 = http2;
        this.streamId = streamId;
    }

    /**
     * The last frame of the response is handed to Jetty: count the response now. Its bytes leave after
     * this call, so a client that closes once it has read them cannot close before the count, while
     * Jetty's end of the stream ({@link #succeeded}) may come after the client's FIN.
     */
    @Override
    public void send(MetaData.Request request, MetaData.Response response, boolean last, ByteBuffer content, Callback callback) {
        if (last && respondOnce()) {
            http2.streamResponded();
        }
        super.send(request, response, last, content, callback);
    }

    @Override
    public void succeeded() {
        super.succeeded();
        end();
    }

    @Override
    public void failed(Throwable x) {
        super.failed(x);
        end();
    }

    private synchronized boolean respondOnce() {
        boolean first = !responded;
        responded = true;
        return first;
    }

    private synchronized boolean endOnce() {
        boolean first = !ended;
        ended = true;
        return first;
    }

    private void end() {
        if (endOnce()) {
            http2.endStream(streamId, respondOnce());
        }
    }
}
