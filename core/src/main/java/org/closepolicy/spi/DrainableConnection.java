package org.closepolicy.spi;

/**
 * One live connection as a drain sees it. An adapter registers each connection with its server's
 * {@link ConnectionRegistry} when it opens; the registry forgets it on its {@link org.closepolicy.CloseEvent}.
 *
 * <pre>{@code
 * registry.register(new DrainableConnection() {
 *     public long id()                     { return record.id(); }
 *     public void drain(long idleGraceNanos) { eventLoop.execute(() -> startDraining(idleGraceNanos)); }
 *     public void cut()                    { eventLoop.execute(() -> machine.abort()); }
 * });
 * }</pre>
 *
 * <p>Thread-safety: {@link #drain} and {@link #cut} are called from the drain's thread (or the thread that
 * registers a connection while a drain runs); implementations hand the work to the connection's own thread.
 */
public interface DrainableConnection {

    /** The connection's id, as in its {@link ConnectionRecord} and {@link org.closepolicy.CloseEvent}. */
    long id();

    /**
     * The server is draining: from now on the connection is not reused. HTTP/1 with a request in flight (or
     * the next one to come): its response carries {@code Connection: close} and the policy's close follows
     * ({@link DrainStep#ANNOUNCED}); HTTP/1 quiet for {@code idleGraceNanos}: the policy's idle retirement
     * ({@link DrainStep#IDLE_CLOSED}); HTTP/2: one graceful {@code GOAWAY} ({@link DrainStep#GOAWAY}); raw TCP:
     * the application is told and retires it, or it closes as idle. Called at most once; must not block.
     */
    void drain(long idleGraceNanos);

    /**
     * The drain's deadline came and the connection is still open: close it now gracefully (a FIN after
     * everything written, never an RST). Must not block.
     */
    void cut();
}
