package org.closepolicy.kernel;

/**
 * A port and how many table rows use it, as returned by {@link TcpSnapshot#topLocalPorts(TcpState, int)}.
 *
 * <pre>{@code
 * for (PortCount pc : snapshot.topLocalPorts(TcpState.TIME_WAIT, 5)) {
 *     System.out.println(pc.port() + ": " + pc.count());
 * }
 * }</pre>
 *
 * <p>Thread-safety: immutable, safe from any thread.
 *
 * @param port  TCP port (0..65535)
 * @param count number of rows
 */
public record PortCount(int port, int count) {
}
