package org.closepolicy.jetty;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
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

    /** About 1.9 KB of XML, the size of the seed's weather report. */
    static final byte[] WEATHER = weatherXml();

    private ExampleHandlers() {
    }

    /** Routes {@code /weather}, {@code /bytes?n=N} and {@code /upload} (413 for bodies over 64 KiB). */
    static Handler routes() {
        return new Handler.Abstract.NonBlocking() {
            @Override
            public boolean handle(Request request, Response response, Callback callback) {
                String path = Request.getPathInContext(request);
                switch (path) {
                    case "/bytes":
                        Fields query = Request.extractQueryParameters(request);
                        long n = Long.parseLong(query.getValue("n"));
                        new BodyWriter(response, n, callback).iterate();
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

    /** The byte at {@code offset} of every deterministic body. */
    static byte byteAt(long offset) {
        long x = offset * 0x9E3779B97F4A7C15L;
        return (byte) (x >>> 56 ^ x >>> 29);
    }

    /** Writes {@code n} deterministic bytes in 64 KiB pieces, each write after the previous completes. */
    private static final class BodyWriter extends IteratingCallback {
        private final Response response;
        private final long total;
        private final Callback done;
        private final ByteBuffer buffer = ByteBuffer.allocateDirect(64 * 1024);
        private long written;

        BodyWriter(Response response, long total, Callback done) {
            this.response = response;
            this.total = total;
            this.done = done;
            response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/octet-stream");
            response.getHeaders().put(HttpHeader.CONTENT_LENGTH, total);
        }

        @Override
        protected Action process() {
            if (written >= total) {
                return Action.SUCCEEDED;
            }
            int len = (int) Math.min(buffer.capacity(), total - written);
            buffer.clear();
            for (int i = 0; i < len; i++) {
                buffer.put(byteAt(written + i));
            }
            buffer.flip();
            written += len;
            response.write(written >= total, buffer, this);
            return Action.SCHEDULED;
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
