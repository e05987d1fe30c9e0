package org.closepolicy.jetty;

import org.eclipse.jetty.server.HttpStream;

/**
 * Wraps Jetty's stream of one HTTP/2 exchange to tell the connection's policy state when the stream
 * ends, successfully or not: the moment the connection's reuse is decided, and the moment a
 * draining connection may find its last stream gone.
 *
 * <p>Thread-safety: Jetty ends a stream once; the end is reported once.
 */
final class Http2Exchange extends HttpStream.Wrapper {

    private final ConnectionControl control;
    private boolean ended;

    Http2Exchange(HttpStream wrapped, ConnectionControl control) {
        super(wrapped);
        this.control = control;
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

    private synchronized boolean endOnce() {
        boolean first = !ended;
        ended = true;
        return first;
    }

    private void end() {
        if (endOnce()) {
            control.endStream();
        }
    }
}
