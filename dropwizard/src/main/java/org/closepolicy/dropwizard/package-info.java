/**
 * Dropwizard 5 integration: {@link org.closepolicy.dropwizard.ClosePolicyHttpConnectorFactory}, the connector type
 * {@code closepolicy-http}.
 */
package org.closepolicy.dropwizard;
