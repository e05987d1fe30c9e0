package org.closepolicy.examples.readme;

// tag::deploys-and-restarts[]
import io.netty.channel.Channel;
import io.netty.channel.EventLoopGroup;
import java.time.Duration;
import org.closepolicy.DrainReport;
import org.closepolicy.jetty.ClosePolicyConnector;
import org.closepolicy.netty.NettyClosePolicy;
import org.eclipse.jetty.server.Server;
// end::deploys-and-restarts[]

/** README, "Deploys and restarts": the stop order on each server. */
final class DeploysAndRestarts {

    private DeploysAndRestarts() {
    }

    static DrainReport netty(NettyClosePolicy closePolicy, Channel serverChannel, EventLoopGroup group) {
        // tag::deploys-and-restarts[]
        // Netty: stop accepting, drain, shut the event loops down
        DrainReport report = closePolicy.shutdownGracefully(serverChannel, Duration.ofSeconds(10), group).join();
        // end::deploys-and-restarts[]
        return report;
    }

    static DrainReport jetty(Server server, ClosePolicyConnector connector) throws Exception {
        // tag::deploys-and-restarts[]
        // Jetty: the connector is Jetty-Graceful; the stop timeout bounds the drain
        server.setStopTimeout(10_000);
        server.stop();
        DrainReport drained = connector.drain(Duration.ZERO).join();   // the report of that drain
        // end::deploys-and-restarts[]
        return drained;
    }
}
