package org.closepolicy.dropwizard;

import io.dropwizard.core.Application;
import io.dropwizard.core.Configuration;
import io.dropwizard.core.setup.Environment;
import io.dropwizard.testing.ConfigOverride;
import io.dropwizard.testing.DropwizardTestSupport;
import io.dropwizard.testing.ResourceHelpers;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.closepolicy.jetty.ClosePolicyConnector;
import org.closepolicy.testkit.DeterministicBytes;
import org.eclipse.jetty.server.Connector;

/** A Dropwizard application serving a small deterministic body; it keeps its close-policy connectors for the tests. */
public class SampleApp extends Application<Configuration> {

    static final int SMALL = 1_900;
    private static final byte[] SMALL_BODY = DeterministicBytes.generate(SMALL);

    final List<ClosePolicyConnector> connectors = new CopyOnWriteArrayList<>();

    @Override
    public void run(Configuration configuration, Environment environment) {
        environment.jersey().register(new Small());
        // tag::dropwizard-connectors[]
        environment.lifecycle().addServerLifecycleListener(server -> {
            for (Connector c : server.getConnectors()) {
                if (c instanceof ClosePolicyConnector connector) {
                    connectors.add(connector); // connector.stats().toJson(), connector.drain(timeout)
                }
            }
        });
        // end::dropwizard-connectors[]
    }

    /** This application with the README's configuration ({@code client-first.yml}) on free ports, with this policy. */
    static DropwizardTestSupport<Configuration> withPolicy(String spec) {
        return new DropwizardTestSupport<>(SampleApp.class,
                ResourceHelpers.resourceFilePath("client-first.yml"),
                ConfigOverride.config("server.applicationConnectors[0].port", "0"),
                ConfigOverride.config("server.adminConnectors[0].port", "0"),
                ConfigOverride.config("server.applicationConnectors[0].policy", spec));
    }

    /** The application connector (the only close-policy one in these tests). */
    ClosePolicyConnector connector() {
        return connectors.get(0);
    }

    /** {@code GET /small}: {@link #SMALL} deterministic bytes with a Content-Length. */
    @Path("/small")
    public static final class Small {
        @GET
        @Produces(MediaType.APPLICATION_OCTET_STREAM)
        public byte[] small() {
            return SMALL_BODY;
        }
    }
}
