/**
 * Spring Boot 4 auto-configuration for closepolicy: {@code closepolicy.policy} and {@code closepolicy.enabled},
 * applied to embedded Jetty and Reactor Netty, with meters and the {@code closepolicy} Actuator endpoint.
 */
package org.closepolicy.spring;
