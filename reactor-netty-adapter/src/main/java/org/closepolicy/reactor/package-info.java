/**
 * closepolicy for Reactor Netty 1.3 servers: {@link org.closepolicy.reactor.ReactorClosePolicy} installs the Netty
 * adapter's handlers through {@code HttpServer.doOnChannelInit}.
 */
package org.closepolicy.reactor;
