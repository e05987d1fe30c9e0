package org.closepolicy;

/**
 * Why a connection is retired.
 *
 * <pre>{@code
 * if (decision instanceof Retire r && r.reason() == RetireReason.MAX_AGE) { ... }
 * }</pre>
 *
 * <p>Thread-safety: immutable.
 */
public enum RetireReason {
    /** The connection served its maximum number of requests (1 for the no-reuse presets). */
    MAX_REQUESTS,
    /** The connection reached its (jittered) maximum age. */
    MAX_AGE,
    /** The connection was idle for longer than the idle timeout. */
    IDLE_TIMEOUT,
    /** The client asked to close ({@code Connection: close}, or HTTP/1.0 without keep-alive). */
    CLIENT_REQUESTED,
    /**
     * The client can only see the end of the response at EOF (HTTP/1.0 without keep-alive, or a
     * response without a length): the server closes at once with a FIN.
     */
    EOF_DELIMITED,
    /** The application asked to retire the connection. */
    APPLICATION,
    /** The policy threw or returned null; the safe default was applied. */
    POLICY_ERROR,
    /**
     * The client pipelined more requests (or request bytes) than the server holds back while it answers an
     * earlier one: the response in progress is the last, and the client retries the others on a new connection
     * (RFC 9112 §9.3.2).
     */
    PIPELINE_LIMIT,
    /** The server is draining (a deploy, scale-in or restart): every connection retires the policy's way. */
    DRAIN
}
