/**
 * Dropwizard 5: the connector type {@code closepolicy-http}, Dropwizard's HTTP connector closing as a close policy
 * says. Dropwizard is provided by the application; it finds the connector type through
 * {@code META-INF/services/io.dropwizard.jetty.ConnectorFactory}.
 *
 * <p>Dropwizard's jars are automatic modules (an {@code Automatic-Module-Name}, no {@code module-info}): the connector
 * factory extends {@code io.dropwizard.jetty.HttpConnectorFactory}, so that module is required transitively.
 */
@SuppressWarnings({"requires-automatic", "requires-transitive-automatic"})
module org.closepolicy.dropwizard {
    requires transitive org.closepolicy.jetty;
    requires static transitive io.dropwizard.jetty;
    requires static com.fasterxml.jackson.annotation;
    requires static transitive jakarta.validation;
    requires static org.eclipse.jetty.server;
    requires static org.eclipse.jetty.io;
    requires static org.eclipse.jetty.util;

    exports org.closepolicy.dropwizard;
}
