/**
 * Micrometer meters for closepolicy: {@link org.closepolicy.micrometer.ClosePolicyMetrics} binds the
 * {@link org.closepolicy.CloseStats} counters and the kernel's TIME_WAIT count, and its
 * {@link org.closepolicy.micrometer.MeteredCloseListener} records each close by who, mode and fallback reason.
 *
 * <pre>{@code
 * ClosePolicyMetrics.bind(registry, closePolicy.stats());          // the adapter's own counts
 * // or, with options:
 * ClosePolicyMetrics.builder(closePolicy.stats()).timeWaitSampler(sampler).tag("server", "api").build().bindTo(registry);
 * }</pre>
 *
 * <p>Micrometer is a {@code provided} dependency: the application brings micrometer-core and its registry. The
 * module uses {@code Meter.MeterProvider}, so it needs Micrometer 1.12 or later; it is built and tested with 1.16.
 */
package org.closepolicy.micrometer;
