package org.closepolicy.reactor.readme;

// tag::reactor-quick-start[]
import org.closepolicy.ClosePolicies;
import org.closepolicy.reactor.ReactorClosePolicy;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;
// end::reactor-quick-start[]

/** README, "Quick start / Reactor Netty" (compiled; the README block is checked against it). */
final class ReactorQuickStart {

    private ReactorQuickStart() {
    }

    static String start() {
        // tag::reactor-quick-start[]
        ReactorClosePolicy closePolicy = ReactorClosePolicy.of(ClosePolicies.clientFirst());
        DisposableServer server = closePolicy.applyTo(HttpServer.create())
            .port(8080)
            .handle((req, res) -> res.sendString(Mono.just("hello")))
            .bindNow();

        String json = closePolicy.stats().toJson();
        // end::reactor-quick-start[]
        server.disposeNow();
        return json;
    }
}
