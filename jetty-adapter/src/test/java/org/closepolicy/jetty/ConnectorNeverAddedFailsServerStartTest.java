package org.closepolicy.jetty;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.closepolicy.ClosePolicies;
import org.eclipse.jetty.server.Server;
import org.junit.jupiter.api.Test;

/** A connector built but never added fails the server's start with the fix; addTo() adds it. */
class ConnectorNeverAddedFailsServerStartTest {

    @Test
    void aBuiltConnectorThatWasNeverAddedFailsTheStartAndSaysHowToAddIt() throws Exception {
        Server server = new Server();
        ClosePolicyConnector.builder(server, ClosePolicies.clientFirst()).build();
        try {
            assertThatThrownBy(server::start)
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("never added")
                    .hasMessageContaining("server.addConnector(connector)")
                    .hasMessageContaining(".port(8080).addTo()");
        } finally {
            server.stop();
        }
    }

    @Test
    void addToAddsTheConnectorWithItsPortAndHost() throws Exception {
        Server server = new Server();
        ClosePolicyConnector connector = ClosePolicyConnector.builder(server, ClosePolicies.clientFirst())
                .host("127.0.0.1").port(0).addTo();
        try {
            server.start();
            assertThat(server.getConnectors()).containsExactly(connector);
            assertThat(connector.getLocalPort()).isPositive();
            assertThat(connector.getHost()).isEqualTo("127.0.0.1");
        } finally {
            server.stop();
        }
    }

    @Test
    void aConnectorAddedByHandStartsAsBefore() throws Exception {
        Server server = new Server();
        ClosePolicyConnector connector = new ClosePolicyConnector(server, ClosePolicies.safeReset());
        connector.setHost("127.0.0.1");
        server.addConnector(connector);
        try {
            server.start();
            assertThat(connector.getLocalPort()).isPositive();
        } finally {
            server.stop();
        }
    }

    @Test
    void aPortOutOfRangeIsRefused() {
        assertThatThrownBy(() -> ClosePolicyConnector.builder(new Server(), ClosePolicies.clientFirst()).port(70000))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("70000");
    }
}
