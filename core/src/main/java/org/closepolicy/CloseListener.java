package org.closepolicy;

import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Receives one {@link CloseEvent} per connection, and optionally each retirement decision.
 *
 * <p>Threading: methods are called on the connection's own thread (a Netty event loop, a Jetty
 * selector or worker thread), so they must be quick and must not block. An exception thrown by a
 * listener is logged once and otherwise ignored; it never affects the connection.
 * <pre>{@code
 * CloseListener log = CloseListener.onClose(event -> LOG.debug("{}", event));   // a lambda for the close events
 * CloseListener both = CloseListener.composite(log, CloseListener.onRetire((view, retire) -> retired.increment()));
 * }</pre>
 *
 * <p>Thread-safety: implementations must be thread-safe; many connections report at once.
 */
public interface CloseListener {

    /** A listener that does nothing. */
    CloseListener NONE = new CloseListener() {
        @Override
        public String toString() {
            return "CloseListener.NONE";
        }
    };

    /** A connection has ended. Default: nothing. */
    default void onClose(CloseEvent event) {
    }

    /** A connection was opened. Default: nothing. */
    default void onOpen(ConnectionView view) {
    }

    /** A connection is being retired with this decision. Default: nothing. */
    default void onRetire(ConnectionView view, Retire decision) {
    }

    /** A request was served and the connection is kept. Default: nothing. */
    default void onReuse(ConnectionView view) {
    }

    /**
     * A listener for the close events only, from a lambda ({@code CloseListener} has only default methods, so it is
     * not a functional interface itself).
     * <pre>{@code
     * NettyClosePolicy closePolicy = NettyClosePolicy.builder(policy)
     *         .listener(CloseListener.onClose(event -> log.debug("{}", event)))
     *         .build();
     * }</pre>
     */
    static CloseListener onClose(Consumer<? super CloseEvent> action) {
        Objects.requireNonNull(action, "action");
        return new CloseListener() {
            @Override
            public void onClose(CloseEvent event) {
                action.accept(event);
            }

            @Override
            public String toString() {
                return "CloseListener.onClose(" + action + ")";
            }
        };
    }

    /** A listener for the retirement decisions only, from a lambda. */
    static CloseListener onRetire(BiConsumer<? super ConnectionView, ? super Retire> action) {
        Objects.requireNonNull(action, "action");
        return new CloseListener() {
            @Override
            public void onRetire(ConnectionView view, Retire decision) {
                action.accept(view, decision);
            }

            @Override
            public String toString() {
                return "CloseListener.onRetire(" + action + ")";
            }
        };
    }

    /** A listener that calls each of these in order; exceptions of one do not stop the others. */
    static CloseListener composite(CloseListener... listeners) {
        // An array and direct calls: one event per request on a kept connection allocates no iterator or lambda.
        CloseListener[] all = List.of(listeners).toArray(new CloseListener[0]);
        return new CloseListener() {
            @Override
            public void onClose(CloseEvent event) {
                for (CloseListener l : all) {
                    try {
                        l.onClose(event);
                    } catch (RuntimeException e) {
                        Safely.failed(l, e);
                    }
                }
            }

            @Override
            public void onOpen(ConnectionView view) {
                for (CloseListener l : all) {
                    try {
                        l.onOpen(view);
                    } catch (RuntimeException e) {
                        Safely.failed(l, e);
                    }
                }
            }

            @Override
            public void onRetire(ConnectionView view, Retire decision) {
                for (CloseListener l : all) {
                    try {
                        l.onRetire(view, decision);
                    } catch (RuntimeException e) {
                        Safely.failed(l, e);
                    }
                }
            }

            @Override
            public void onReuse(ConnectionView view) {
                for (CloseListener l : all) {
                    try {
                        l.onReuse(view);
                    } catch (RuntimeException e) {
                        Safely.failed(l, e);
                    }
                }
            }
        };
    }

    /** Calls listeners, logging the first failure of the process. */
    final class Safely {
        private static final Logger LOG = LoggerFactory.getLogger(CloseListener.class);
        private static final AtomicBoolean LOGGED = new AtomicBoolean();

        private Safely() {
        }

        /** Runs {@code call}; logs the first exception of the process once. */
        public static void run(Object listener, Runnable call) {
            try {
                call.run();
            } catch (RuntimeException e) {
                failed(listener, e);
            }
        }

        /** A listener threw {@code e}: logged if it is the first failure of the process. */
        static void failed(Object listener, RuntimeException e) {
            if (LOGGED.compareAndSet(false, true)) {
                LOG.warn("close listener {} threw; ignored (further listener failures are not logged)", Objects.toString(listener), e);
            }
        }
    }
}
