package org.closepolicy.jetty.readme;

// tag::javalin-quick-start[]
import io.javalin.Javalin;
import org.closepolicy.ClosePolicies;
import org.closepolicy.jetty.ClosePolicyConnector;
import org.eclipse.jetty.server.HttpConnectionFactory;
// end::javalin-quick-start[]

/** README, "Quick start / Javalin" (compiled; the README block is checked against it; run by JavalinRecipeLeavesNoServerTimeWaitTest). */
final class JavalinQuickStart {

    private JavalinQuickStart() {
    }

    static Javalin start() {
        // tag::javalin-quick-start[]
        Javalin app = Javalin.create(config -> {
            config.jetty.addConnector((server, httpConfig) -> {
                ClosePolicyConnector connector = new ClosePolicyConnector(server, ClosePolicies.clientFirst(),
                        new HttpConnectionFactory(httpConfig));
                connector.setPort(8080);
                return connector;
            });
            config.routes.get("/", ctx -> ctx.result("hello"));
        }).start();
        // end::javalin-quick-start[]
        return app;
    }
}
