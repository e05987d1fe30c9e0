/**
 * Micrometer meters for closepolicy: {@link org.closepolicy.micrometer.ClosePolicyMetrics} binds the
 * {@link org.closepolicy.CloseStats} counters and the kernel's TIME_WAIT count, and its
 * {@link org.closepolicy.micrometer.MeteredCloseListener} records each close by who, mode and fallback reason.
 *
 * <pre>{@code
 * ClosePolicyMetrics metrics = ClosePolicyMetrics.builder(stats).timeWaitSampler(sampler).build();
 * metrics.bindTo(registry);
 * CloseListener listener = CloseListener.composite(stats, metrics.closeListener());
 * }</pre>
 *
 * <p>Micrometer is a {@code provided} dependency: the application brings micrometer-core and its registry. The
 * module uses {@code Meter.MeterProvider}, so it needs Micrometer 1.12 or later; it is built and tested with 1.16.
 */
package org.closepolicy.micrometer;
