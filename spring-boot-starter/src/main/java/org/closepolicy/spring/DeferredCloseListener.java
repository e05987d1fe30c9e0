package org.closepolicy.spring;

import java.util.Objects;
import org.closepolicy.CloseEvent;
import org.closepolicy.CloseListener;
import org.closepolicy.ConnectionView;
import org.closepolicy.Retire;

/**
 * A listener handed to an adapter when it is built, before the application's meter registry exists; it forwards to
 * the listener set later (the metrics' close listener) and does nothing until then.
 *
 * <p>Thread-safety: thread-safe; the target is published through a volatile field.
 */
final class DeferredCloseListener implements CloseListener {

    private volatile CloseListener target = new CloseListener() {
    };

    void forwardTo(CloseListener listener) {
        this.target = Objects.requireNonNull(listener, "listener");
    }

    @Override
    public void onClose(CloseEvent event) {
        target.onClose(event);
    }

    @Override
    public void onOpen(ConnectionView view) {
        target.onOpen(view);
    }

    @Override
    public void onRetire(ConnectionView view, Retire decision) {
        target.onRetire(view, decision);
    }

    @Override
    public void onReuse(ConnectionView view) {
        target.onReuse(view);
    }
}
