/**
 * Jetty 12 adapter: {@link org.closepolicy.jetty.ClosePolicyConnector} (a {@code ServerConnector}
 * whose endpoints carry out who closes first and how), {@link org.closepolicy.jetty.ClosePolicyCustomizer}
 * (per-request reuse decisions), and {@link org.closepolicy.jetty.JettyClosePolicy} (entry points).
 *
 * <pre>{@code
 * Server server = new Server();
 * ClosePolicyConnector connector = new ClosePolicyConnector(server, ClosePolicies.clientFirst());
 * connector.setPort(8080);
 * server.addConnector(connector);
 *
 * // HTTPS with HTTP/2 (ALPN h2, then http/1.1): every close mode below TLS, GOAWAY-based reuse for h2
 * ClosePolicyConnector tls = ClosePolicyConnector.builder(server, ClosePolicies.clientFirst())
 *         .tls(sslContextFactory)
 *         .http2()
 *         .build();
 * }</pre>
 */
package org.closepolicy.jetty;
