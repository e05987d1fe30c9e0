/**
 * Spring Boot 4 auto-configuration for closepolicy: {@code closepolicy.*} properties applied to embedded Jetty and
 * Reactor Netty, meters and an Actuator endpoint. Each server integration is optional: it is active only when its
 * server is there. Spring reads and proxies the configuration classes by reflection, hence the {@code opens}.
 */
module org.closepolicy.spring {
    requires org.closepolicy.core;
    requires org.closepolicy.jetty;
    requires org.closepolicy.netty;
    requires org.closepolicy.reactor;
    requires org.closepolicy.micrometer;
    requires org.slf4j;
    requires spring.beans;
    requires spring.context;
    requires spring.core;
    requires spring.boot;
    requires spring.boot.autoconfigure;
    requires static spring.boot.web.server;
    requires static spring.boot.jetty;
    requires static spring.boot.reactor.netty;
    requires static spring.boot.actuator;
    requires static org.eclipse.jetty.server;
    requires static reactor.netty.core;
    requires static reactor.netty.http;
    requires static micrometer.core;

    exports org.closepolicy.spring;
    opens org.closepolicy.spring to spring.core, spring.beans, spring.context;
}
