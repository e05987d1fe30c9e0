package org.closepolicy.benchmarks;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * A servlet-free, non-blocking Jetty handler answering every request with {@link #WEATHER}, about 1.9 KB of XML with a
 * Content-Length: the seed's weather service.
 * <pre>
 * server.setHandler(new JettyWeatherHandler());
 * </pre>
 *
 * <p>Thread-safety: stateless; shared by all requests.
 */
final class JettyWeatherHandler extends Handler.Abstract.NonBlocking {

    /** About 1.9 KB of XML, the size of the seed's weather report. */
    static final byte[] WEATHER = weatherXml();

    @Override
    public boolean handle(Request request, Response response, Callback callback) {
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/xml");
        response.write(true, ByteBuffer.wrap(WEATHER), callback);
        return true;
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
