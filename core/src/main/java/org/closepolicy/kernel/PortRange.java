package org.closepolicy.kernel;

/**
 * An inclusive port range, such as the kernel's {@code ip_local_port_range} for ephemeral ports.
 *
 * <pre>{@code
 * KernelSettings.read().ipLocalPortRange()
 *         .ifPresent(r -> System.out.println(r.low() + "-" + r.high() + " (" + r.size() + " ports)"));
 * }</pre>
 *
 * <p>Thread-safety: immutable, safe from any thread.
 *
 * @param low  first port, inclusive
 * @param high last port, inclusive
 */
public record PortRange(int low, int high) {

    /** Validates {@code 0 <= low <= high <= 65535}. */
    public PortRange {
        if (low < 0 || high > 65535 || low > high) {
            throw new IllegalArgumentException("port range must satisfy 0 <= low <= high <= 65535, got " + low + "-" + high);
        }
    }

    /** Number of ports in the range. */
    public int size() {
        return high - low + 1;
    }

    @Override
    public String toString() {
        return low + "-" + high;
    }
}
