package org.closepolicy.spring;

import io.micrometer.core.instrument.MeterRegistry;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;

/**
 * Installs the close policy of {@code closepolicy.policy} into the embedded Jetty (Spring MVC or WebFlux) or Reactor
 * Netty (WebFlux) server and drains it the policy's way on {@code server.shutdown=graceful}; binds meters when
 * Micrometer is there and offers the {@code closepolicy} Actuator endpoint when Actuator is there. Off with {@code closepolicy.enabled=false}.
 * <pre>{@code
 * <dependency>
 *   <groupId>org.closepolicy</groupId>
 *   <artifactId>closepolicy-spring-boot-starter</artifactId>
 * </dependency>
 * # application.properties
 * closepolicy.policy=client-first
 * }</pre>
 *
 * <p>Thread-safety: configuration; used by the container at startup.
 */
@AutoConfiguration
@ConditionalOnProperty(prefix = ClosePolicyProperties.PREFIX, name = "enabled", havingValue = "true", matchIfMissing = true)
@ConditionalOnClass(name = "org.springframework.boot.web.server.WebServerFactoryCustomizer")
@EnableConfigurationProperties(ClosePolicyProperties.class)
public class ClosePolicyAutoConfiguration {

    @Bean
    @ConditionalOnMissingBean
    ClosePolicyServers closePolicyServers(ClosePolicyProperties properties) {
        return new ClosePolicyServers(properties);
    }

    @Bean
    @ConditionalOnMissingBean
    ClosePolicyGracefulDrain closePolicyGracefulDrain(ClosePolicyServers servers, ClosePolicyProperties properties,
            Environment environment) {
        return new ClosePolicyGracefulDrain(servers, properties, environment);
    }

    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(name = {"org.eclipse.jetty.server.Server", "org.springframework.boot.jetty.JettyServerCustomizer"})
    static class Jetty {
        @Bean
        JettyFactoryCustomizer closePolicyJettyFactoryCustomizer(ClosePolicyServers servers) {
            return new JettyFactoryCustomizer(servers);
        }
    }

    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(name = {"reactor.netty.http.server.HttpServer", "org.springframework.boot.reactor.netty.NettyReactiveWebServerFactory"})
    static class ReactorNetty {
        @Bean
        ReactorNettyFactoryCustomizer closePolicyReactorNettyFactoryCustomizer(ClosePolicyServers servers) {
            return new ReactorNettyFactoryCustomizer(servers);
        }
    }

    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(name = "io.micrometer.core.instrument.MeterRegistry")
    static class Metrics {
        @Bean
        ClosePolicyMetricsBinder closePolicyMetricsBinder(ObjectProvider<MeterRegistry> registries, ClosePolicyServers servers) {
            return new ClosePolicyMetricsBinder(registries, servers);
        }
    }

    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(name = "org.springframework.boot.actuate.endpoint.annotation.Endpoint")
    static class Actuator {
        @Bean
        @ConditionalOnMissingBean
        ClosePolicyEndpoint closePolicyEndpoint(ClosePolicyServers servers) {
            return new ClosePolicyEndpoint(servers);
        }
    }
}
