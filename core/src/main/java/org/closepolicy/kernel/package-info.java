/**
 * The kernel's view of TCP connections: the socket table ({@link org.closepolicy.kernel.TcpTable}), kernel
 * settings ({@link org.closepolicy.kernel.KernelSettings}), a batched acknowledgement checker
 * ({@link org.closepolicy.kernel.AckWatcher}), one socket's acknowledgement asked at once
 * ({@link org.closepolicy.kernel.SocketAcks}) and a TIME_WAIT load sampler
 * ({@link org.closepolicy.kernel.TimeWaitSampler}).
 *
 * <p>Everything here degrades to "unsupported" where {@code /proc} is not available and never throws to
 * callers because of it.
 */
package org.closepolicy.kernel;
