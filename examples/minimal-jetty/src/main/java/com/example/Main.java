package com.example;

import java.nio.charset.StandardCharsets;
import org.closepolicy.ClosePolicy;
import org.closepolicy.jetty.ClosePolicyConnector;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.util.Callback;

/**
 * A Jetty HTTP server whose connections close as the policy says (default {@code safe-reset}).
 * {@code curl localhost:8080/} answers "hello", {@code curl localhost:8080/stats} shows the close statistics.
 * Arguments: [port] [policy spec], e.g. {@code 8080 "client-first, close.client-wait=1s"}.
 */
public final class Main {

    public static void main(String[] args) throws Exception {
        int port = args.length > 0 ? Integer.parseInt(args[0]) : 8080;
        ClosePolicy policy = ClosePolicy.parse(args.length > 1 ? args[1] : "safe-reset", "the policy argument");
        Server server = new Server();
        ClosePolicyConnector connector = ClosePolicyConnector.builder(server, policy).port(port).addTo();
        server.setHandler(new Handler.Abstract.NonBlocking() {
            @Override
            public boolean handle(Request request, Response response, Callback callback) {
                String body = Request.getPathInContext(request).equals("/stats") ? connector.stats().toJson() + "\n" : "hello\n";
                response.getHeaders().put(HttpHeader.CONTENT_TYPE, "text/plain; charset=utf-8");
                Content.Sink.write(response, true, body, callback);
                return true;
            }
        });
        server.start();
        System.out.println("listening on port " + connector.getLocalPort() + " with " + policy.toSpec());
        server.join();
    }
}
