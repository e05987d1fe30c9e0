package org.closepolicy.examples;

import java.util.Map;
import org.closepolicy.kernel.TcpSnapshot;
import org.closepolicy.kernel.TcpState;
import org.closepolicy.kernel.TcpTable;

/**
 * The HTTP endpoints both servers offer, and the texts they answer with, so the Netty and the
 * Jetty server behave the same.
 * <pre>
 * GET  /weather.xml        the demo's fixed XML forecast (about 1.9 KB)
 * GET  /bytes?n=N          N deterministic bytes (0 &lt;= N &lt;= 1 GiB), header X-Sha256
 * POST /upload             reads the body, answers its length and SHA-256
 * POST /upload?early=413   answers 413 before reading the body
 * GET  /stats              close statistics and the kernel's TIME_WAIT for this port
 * </pre>
 *
 * <p>Thread-safety: stateless.
 */
final class Endpoints {

    static final String WEATHER = "/weather.xml";
    static final String BYTES = "/bytes";
    static final String UPLOAD = "/upload";
    static final String STATS = "/stats";
    static final String SHA_HEADER = "X-Sha256";
    static final String JSON_TYPE = "application/json";
    static final String TEXT_TYPE = "text/plain; charset=utf-8";
    static final String BINARY_TYPE = "application/octet-stream";

    private Endpoints() {
    }

    /** What a request is for. */
    enum Route {
        WEATHER, BYTES, UPLOAD, STATS, NOT_FOUND, METHOD_NOT_ALLOWED;
    }

    /** Routes by method and path (without the query). */
    static Route route(String method, String path) {
        Route r = switch (path) {
            case WEATHER -> Route.WEATHER;
            case BYTES -> Route.BYTES;
            case UPLOAD -> Route.UPLOAD;
            case STATS -> Route.STATS;
            default -> Route.NOT_FOUND;
        };
        if (r == Route.NOT_FOUND) {
            return r;
        }
        boolean ok = r == Route.UPLOAD ? method.equals("POST") : method.equals("GET") || method.equals("HEAD");
        return ok ? r : Route.METHOD_NOT_ALLOWED;
    }

    static String allowed(Route r) {
        return r == Route.UPLOAD ? "POST" : "GET, HEAD";
    }

    static String notFound(String path) {
        return "no such endpoint: " + path + "\nendpoints: GET /weather.xml, GET /bytes?n=N, POST /upload[?early=413], GET /stats\n";
    }

    /** Whether {@code POST /upload} should answer 413 without reading the body. */
    static boolean early413(String earlyParam) {
        return "413".equals(earlyParam);
    }

    static String earlyRejected() {
        return "413 answered before reading the request body (early=413)\n";
    }

    static String uploadReply(long bytes, String sha256) {
        return "{\"bytes\":" + bytes + ",\"sha256\":\"" + sha256 + "\"}\n";
    }

    /** The body of {@code GET /stats}. */
    static String statsJson(ExampleServer server) {
        Map<String, Object> o = Json.object();
        ServerConfig c = server.config();
        o.put("server", c.kind().label());
        o.put("transport", c.kind() == ServerKind.NETTY ? c.transport().toString() : "nio");
        o.put("port", server.port());
        o.put("policy", c.policyText());
        o.put("spec", c.specText());
        o.put("closeStats", new Json.Raw(server.stats().toJson()));
        Map<String, Object> k = Json.object();
        TcpSnapshot snap = TcpTable.system().snapshot();
        k.put("supported", snap.supported());
        if (snap.supported()) {
            k.put("serverTimeWait", snap.countLocalPort(TcpState.TIME_WAIT, server.port()));
            k.put("clientTimeWait", snap.countRemotePort(TcpState.TIME_WAIT, server.port()));
        } else {
            k.put("reason", snap.reason());
        }
        o.put("kernel", k);
        return Json.write(o);
    }
}
