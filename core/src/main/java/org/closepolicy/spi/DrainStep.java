package org.closepolicy.spi;

/**
 * How an adapter began to end one connection of a drain; the drain report counts connections by it.
 *
 * <pre>{@code
 * registry.step(record.id(), DrainStep.ANNOUNCED);   // this response carries Connection: close
 * }</pre>
 *
 * <p>Thread-safety: immutable.
 */
public enum DrainStep {
    /** HTTP/1: the last response carried {@code Connection: close}; raw TCP: the application retired it. */
    ANNOUNCED,
    /** The connection stayed quiet for the idle grace and was closed by the policy's idle retirement. */
    IDLE_CLOSED,
    /** HTTP/2: one graceful {@code GOAWAY} was sent. */
    GOAWAY
}
