package org.closepolicy.micrometer;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.closepolicy.CloseEvent;
import org.closepolicy.CloseListener;
import org.closepolicy.CloseMode;
import org.closepolicy.FallbackReason;
import org.closepolicy.WhoClosed;

/**
 * Records every {@link CloseEvent} as Micrometer meters, in each registry its {@link ClosePolicyMetrics} is bound to.
 *
 * <p>{@link org.closepolicy.CloseStats} counts who closed, the mode used and the fallback reason each on its own,
 * so it cannot tell how many closes were, say, a client FIN answered by an RST without a fallback. This listener
 * sees each event whole and records:
 * <ul>
 *   <li>{@code closepolicy.connections.closed} (counter), tagged {@code who} ({@link WhoClosed} lower case),
 *       {@code mode} (the {@link CloseMode} used, lower case, or {@code none}) and {@code reason} (the
 *       {@link FallbackReason}, lower case; {@code none} when the planned close happened). One increment per
 *       closed connection, so summing over any tag gives the total.</li>
 *   <li>{@code closepolicy.close.duration} (timer), tagged {@code mode}: retirement to closed, recorded only for
 *       connections the server retired (a connection the peer ended first has no close to time).</li>
 * </ul>
 * Tag values are enum names only: at most 5 × 4 × 10 series for the counter and 4 for the timer, per set of
 * common tags. Meters appear with the first matching close.
 *
 * <p>{@link ClosePolicyMetrics} makes it and has its stats pass it every event:
 * <pre>{@code
 * ClosePolicyMetrics metrics = ClosePolicyMetrics.builder(closePolicy.stats()).build();
 * metrics.bindTo(registry);   // metrics.closeListener() now records every close of the adapter
 * }</pre>
 * Closes reported before the first {@code bindTo} are not recorded by this listener (the {@code CloseStats}
 * based meters of {@link ClosePolicyMetrics} do include them).
 *
 * <p>Thread-safety: thread-safe; {@link #onClose} is called from many connection threads at once and does not block.
 */
public final class MeteredCloseListener implements CloseListener {

    static final String CLOSED = "closepolicy.connections.closed";
    static final String CLOSE_DURATION = "closepolicy.close.duration";

    private static final String[] WHO = tagValues(WhoClosed.values(), "unknown");
    private static final String[] MODE = tagValues(CloseMode.values(), "none");
    private static final String[] REASON = tagValues(FallbackReason.values(), "none");

    /** [who][mode][reason]; the last index of each dimension stands for a null field. */
    private static final Tags[][][] CLOSED_TAGS = new Tags[WHO.length][MODE.length][REASON.length];
    private static final Tags[] DURATION_TAGS = new Tags[MODE.length];

    static {
        for (int w = 0; w < WHO.length; w++) {
            for (int m = 0; m < MODE.length; m++) {
                for (int r = 0; r < REASON.length; r++) {
                    CLOSED_TAGS[w][m][r] = Tags.of("who", WHO[w], "mode", MODE[m], "reason", REASON[r]);
                }
            }
        }
        for (int m = 0; m < MODE.length; m++) {
            DURATION_TAGS[m] = Tags.of("mode", MODE[m]);
        }
    }

    private final Tags commonTags;
    // Copy-on-write: bindTo is rare, onClose is hot and must not lock.
    private volatile List<Bound> bound = List.of();

    MeteredCloseListener(Tags commonTags) {
        this.commonTags = commonTags;
    }

    private static String[] tagValues(Enum<?>[] values, String forNull) {
        String[] s = new String[values.length + 1];
        for (int i = 0; i < values.length; i++) {
            s[i] = values[i].name().toLowerCase(Locale.ROOT);
        }
        s[values.length] = forNull;
        return s;
    }

    private static int index(Enum<?> e, int nullIndex) {
        return e == null ? nullIndex : e.ordinal();
    }

    /** Starts recording into {@code registry}; a registry already bound is left as it is. */
    synchronized void bindTo(MeterRegistry registry) {
        for (Bound b : bound) {
            if (b.registry == registry) {
                return;
            }
        }
        List<Bound> next = new ArrayList<>(bound);
        next.add(new Bound(registry, commonTags));
        bound = List.copyOf(next);
    }

    /** Number of registries this listener records into. */
    int boundRegistries() {
        return bound.size();
    }

    @Override
    public void onClose(CloseEvent event) {
        List<Bound> targets = bound;
        if (targets.isEmpty()) {
            return;
        }
        int w = index(event.whoClosed(), WhoClosed.values().length);
        int m = index(event.usedMode(), CloseMode.values().length);
        int r = index(event.fallbackReason(), FallbackReason.values().length);
        Tags closedTags = CLOSED_TAGS[w][m][r];
        Duration closeDuration = wasRetired(event) ? event.closeDuration() : null;
        for (Bound b : targets) {
            // Looked up per event rather than cached, so a meter removed from the registry is registered anew.
            b.closed.withTags(closedTags).increment();
            if (closeDuration != null) {
                b.closeDuration.withTags(DURATION_TAGS[m]).record(closeDuration);
            }
        }
    }

    private static boolean wasRetired(CloseEvent e) {
        return e.plannedMode() != null || e.retireReason() != null;
    }

    @Override
    public String toString() {
        return "MeteredCloseListener[tags=" + commonTags + ", registries=" + bound.size() + "]";
    }

    private static final class Bound {
        final MeterRegistry registry;
        final Meter.MeterProvider<Counter> closed;
        final Meter.MeterProvider<Timer> closeDuration;

        Bound(MeterRegistry registry, Tags commonTags) {
            this.registry = registry;
            this.closed = Counter.builder(CLOSED)
                    .description("Closed connections by who closed first on the wire, the close mode used and the fallback reason")
                    .tags(commonTags)
                    .withRegistry(registry);
            this.closeDuration = Timer.builder(CLOSE_DURATION)
                    .description("Time from retirement to closed, for connections the server retired, by close mode used")
                    .tags(commonTags)
                    .withRegistry(registry);
        }
    }
}
