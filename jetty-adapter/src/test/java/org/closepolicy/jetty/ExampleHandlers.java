package org.closepolicy.jetty;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.closepolicy.testkit.DeterministicBytes;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.Fields;
import org.eclipse.jetty.util.IteratingCallback;

/**
 * Servlet-free Jetty handlers used by the tests and the benchmark: a small XML document (the seed's
 * weather service), a large deterministic body written without blocking a thread, and an early
 * {@code 413} that never reads the request body.
 */
final class ExampleHandlers {

    private static final java.util.concurrent.ScheduledExecutorService LATER =
            java.util.concurrent.Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "test-handler-later");
                t.setDaemon(true);
                return t;
            });

    /** About 1.9 KB of XML, the size of the seed's weather report. */
    static final byte[] WEATHER = weatherXml();

    private ExampleHandlers() {
    }

    /**
     * Routes {@code /weather} (the XML report), {@code /bytes?n=N} (N deterministic bytes with a
     * length), {@code /stream?n=N} (the same bytes without a length: Jetty chooses the framing) and
     * {@code /upload} (reads the body and answers 200, or answers 413 at once for bodies over 64 KiB),
     * {@code /slow?n=N&ms=T} (N deterministic bytes in ten pieces spread over T milliseconds),
     * {@code /later?n=N&ms=T} (N deterministic bytes with a length, started from another thread after T ms) and
     * {@code /hang} (a first piece, then nothing: the response never ends).
     */
    static Handler routes() {
        return new Handler.Abstract.NonBlocking() {
            @Override
            public boolean handle(Request request, Response response, Callback callback) {
                String path = Request.getPathInContext(request);
                switch (path) {
                    case "/bytes":
                    case "/stream":
                        Fields query = Request.extractQueryParameters(request);
                        long n = Long.parseLong(query.getValue("n"));
                        new BodyWriter(response, n, path.equals("/bytes"), callback).iterate();
                        return true;
                    case "/slow":
                        Fields q = Request.extractQueryParameters(request);
                        new SlowWriter(request, response, Long.parseLong(q.getValue("n")), Long.parseLong(q.getValue("ms")), callback)
                                .iterate();
                        return true;
                    case "/later":
                        // Answered from another thread after a delay: a pipelined request behind it must still wait.
                        Fields lq = Request.extractQueryParameters(request);
                        long ln = Long.parseLong(lq.getValue("n"));
                        LATER.schedule(() -> new BodyWriter(response, ln, true, callback).iterate(),
                                Long.parseLong(lq.getValue("ms")), java.util.concurrent.TimeUnit.MILLISECONDS);
                        return true;
                    case "/hang":
                        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "text/plain");
                        response.write(false, ByteBuffer.wrap("started\n".getBytes(StandardCharsets.US_ASCII)), Callback.NOOP);
                        // The callback completes only when Jetty fails the exchange (the stream is reset, the connection closes).
                        request.addFailureListener(callback::failed);
                        return true;
                    case "/upload":
                        if (request.getLength() > 64 * 1024) {
                            // Answer before reading the body: the classic early 413.
                            response.setStatus(HttpStatus.PAYLOAD_TOO_LARGE_413);
                            response.getHeaders().put(HttpHeader.CONTENT_TYPE, "text/plain");
                            Content.Sink.write(response, true, "request body too large\n", callback);
                            return true;
                        }
                        Content.Source.consumeAll(request, Callback.from(
                                () -> Content.Sink.write(response, true, "ok\n", callback), callback::failed));
                        return true;
                    default:
                        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/xml");
                        response.write(true, ByteBuffer.wrap(WEATHER), callback);
                        return true;
                }
            }
        };
    }

    /** Writes a response piece by piece, and completes the handler's callback when it has ended. */
    private abstract static class Writer extends IteratingCallback {
        private final Callback done;

        Writer(Callback done) {
            this.done = done;
        }

        @Override
        protected void onCompleteSuccess() {
            done.succeeded();
        }

        @Override
        protected void onCompleteFailure(Throwable cause) {
            done.failed(cause);
        }
    }

    /**
     * Writes {@code n} {@link DeterministicBytes} in 64 KiB pieces, each write after the previous one
     * completes, then an empty last write: the response is committed before its end is known.
     */
    private static final class BodyWriter extends Writer {
        private final Response response;
        private final long total;
        private final byte[] chunk = new byte[64 * 1024];
        private long written;
        private boolean lastWritten;

        BodyWriter(Response response, long total, boolean withLength, Callback done) {
            super(done);
            this.response = response;
            this.total = total;
            response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/octet-stream");
            if (withLength) {
                response.getHeaders().put(HttpHeader.CONTENT_LENGTH, total);
            }
        }

        @Override
        protected Action process() {
            if (lastWritten) {
                return Action.SUCCEEDED;
            }
            if (written >= total) {
                lastWritten = true;
                response.write(true, null, this);
                return Action.SCHEDULED;
            }
            int len = (int) Math.min(chunk.length, total - written);
            DeterministicBytes.fill(chunk, 0, len, written);
            written += len;
            response.write(false, ByteBuffer.wrap(chunk, 0, len), this);
            return Action.SCHEDULED;
        }
    }

    /** Writes {@code n} {@link DeterministicBytes} in ten pieces, one every {@code ms / 10} milliseconds. */
    private static final class SlowWriter extends Writer {
        private final Request request;
        private final Response response;
        private final long total;
        private final long pauseMillis;
        private long written;
        private boolean lastWritten;

        SlowWriter(Request request, Response response, long total, long millis, Callback done) {
            super(done);
            this.request = request;
            this.response = response;
            this.total = total;
            this.pauseMillis = Math.max(1, millis / 10);
            response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/octet-stream");
            response.getHeaders().put(HttpHeader.CONTENT_LENGTH, total);
        }

        @Override
        protected Action process() {
            if (lastWritten) {
                return Action.SUCCEEDED;
            }
            int len = (int) Math.min(Math.max(1, total / 10), total - written);
            byte[] piece = new byte[len];
            DeterministicBytes.fill(piece, 0, len, written);
            written += len;
            lastWritten = written >= total;
            boolean last = lastWritten;
            request.getComponents().getScheduler().schedule(() -> response.write(last, ByteBuffer.wrap(piece), this),
                    pauseMillis, java.util.concurrent.TimeUnit.MILLISECONDS);
            return Action.SCHEDULED;
        }
    }

    private static byte[] weatherXml() {
        StringBuilder sb = new StringBuilder("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<weather station=\"EDDF\">\n");
        int hour = 0;
        while (sb.length() < 1850) {
            sb.append("  <obs hour=\"").append(hour).append("\" temp=\"").append(5 + hour % 7).append(".").append(hour % 10)
                    .append("\" wind=\"").append(10 + hour % 13).append("\" dir=\"").append(hour * 37 % 360).append("\"/>\n");
            hour++;
        }
        sb.append("</weather>\n");
        return sb.toString().getBytes(StandardCharsets.UTF_8);
    }
}
