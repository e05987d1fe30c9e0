package org.closepolicy.support;

import java.util.ArrayList;
import java.util.List;
import org.closepolicy.CloseEvent;
import org.closepolicy.CloseListener;
import org.closepolicy.ConnectionView;
import org.closepolicy.Retire;

/**
 * A listener that records what it is told.
 *
 * <p>Thread-safety: not thread-safe.
 */
public final class RecordingListener implements CloseListener {

    public final List<CloseEvent> closes = new ArrayList<>();
    public final List<Retire> retires = new ArrayList<>();
    public int opens;
    public int reuses;

    @Override
    public void onClose(CloseEvent event) {
        closes.add(event);
    }

    @Override
    public void onOpen(ConnectionView view) {
        opens++;
    }

    @Override
    public void onRetire(ConnectionView view, Retire decision) {
        retires.add(decision);
    }

    @Override
    public void onReuse(ConnectionView view) {
        reuses++;
    }
}
