/**
 * closepolicy core: the policy API ({@code org.closepolicy}), the adapter contract ({@code org.closepolicy.spi})
 * and the kernel's view ({@code org.closepolicy.kernel}). {@code org.closepolicy.internal} is not exported.
 */
module org.closepolicy.core {
    requires org.slf4j;
    // Optional: with JNA present, ack checks query the kernel by sock_diag netlink (see kernel.SockDiag).
    requires static com.sun.jna;

    exports org.closepolicy;
    exports org.closepolicy.spi;
    exports org.closepolicy.kernel;
}
