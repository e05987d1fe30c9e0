package org.closepolicy;

import java.time.Duration;
import java.util.Collections;
import java.util.EnumMap;
import java.util.Map;
import java.util.Objects;

/**
 * What a drain did: how many connections were open when it began and how each one ended.
 *
 * <pre>{@code
 * DrainReport report = closePolicy.drain(Duration.ofSeconds(10)).join();
 * log.info("drained {} connections in {}: {}", report.connectionsAtStart(), report.duration(), report);
 * if (report.cutAtDeadline() > 0) { ... }   // clients that were still busy when the time ran out
 * }</pre>
 *
 * <p>Every connection open at the start, or accepted while draining, is counted once in exactly one of
 * {@link #announced()}, {@link #idleClosed()}, {@link #goAways()}, {@link #closedOnTheirOwn()},
 * {@link #cutAtDeadline()} or {@link #stillOpen()}.
 *
 * @param connectionsAtStart connections open when the drain began
 * @param acceptedWhileDraining connections accepted after it began (the listener was still open); each is drained at once
 * @param announced HTTP/1 connections whose last response carried {@code Connection: close}, and raw TCP
 *                  connections the application retired after being told
 * @param idleClosed connections that stayed quiet for the idle grace and were closed by the policy's idle retirement
 * @param goAways HTTP/2 connections sent one graceful {@code GOAWAY}
 * @param closedOnTheirOwn connections that ended without the drain's doing: the client closed them, or the policy
 *                         had already retired them
 * @param cutAtDeadline connections still open at the deadline, closed then with a graceful close (FIN)
 * @param stillOpen connections not closed when the report was made (a close still in progress after the deadline)
 * @param serverTimeWait closes during the drain that leave a TIME_WAIT on the server
 * @param byCloseMode the close the server used, per mode, for the connections that closed during the drain
 * @param byWhoClosed who ended each connection first on the wire
 * @param duration from the call to the last close (or to the report, when connections were left)
 *
 * <p>Thread-safety: immutable.
 */
public record DrainReport(
        long connectionsAtStart,
        long acceptedWhileDraining,
        long announced,
        long idleClosed,
        long goAways,
        long closedOnTheirOwn,
        long cutAtDeadline,
        long stillOpen,
        long serverTimeWait,
        Map<CloseMode, Long> byCloseMode,
        Map<WhoClosed, Long> byWhoClosed,
        Duration duration) {

    /** Copies the maps (unmodifiable, every key present) and checks the counters. */
    public DrainReport {
        Objects.requireNonNull(duration, "duration");
        byCloseMode = complete(CloseMode.class, byCloseMode);
        byWhoClosed = complete(WhoClosed.class, byWhoClosed);
        if (connectionsAtStart < 0 || acceptedWhileDraining < 0 || announced < 0 || idleClosed < 0 || goAways < 0
                || closedOnTheirOwn < 0 || cutAtDeadline < 0 || stillOpen < 0 || serverTimeWait < 0) {
            throw new IllegalArgumentException("drain report counters must be >= 0");
        }
    }

    /** The report of a drain that found nothing to do. */
    public static DrainReport empty(Duration duration) {
        return new DrainReport(0, 0, 0, 0, 0, 0, 0, 0, 0, Map.of(), Map.of(), duration);
    }

    /** Whether every connection closed before the deadline by the policy's own close (none cut, none left). */
    public boolean clean() {
        return cutAtDeadline == 0 && stillOpen == 0;
    }

    /** All connections the drain had to end: those open at the start and those accepted while it ran. */
    public long connections() {
        return connectionsAtStart + acceptedWhileDraining;
    }

    private static <E extends Enum<E>> Map<E, Long> complete(Class<E> type, Map<E, Long> given) {
        EnumMap<E, Long> m = new EnumMap<>(type);
        for (E e : type.getEnumConstants()) {
            Long v = given == null ? null : given.get(e);
            m.put(e, v == null ? 0L : v);
        }
        return Collections.unmodifiableMap(m);
    }

    /** One JSON object, for logs and the CLI. */
    public String toJson() {
        StringBuilder sb = new StringBuilder(256);
        sb.append("{\"connectionsAtStart\":").append(connectionsAtStart)
                .append(",\"acceptedWhileDraining\":").append(acceptedWhileDraining)
                .append(",\"announced\":").append(announced)
                .append(",\"idleClosed\":").append(idleClosed)
                .append(",\"goAways\":").append(goAways)
                .append(",\"closedOnTheirOwn\":").append(closedOnTheirOwn)
                .append(",\"cutAtDeadline\":").append(cutAtDeadline)
                .append(",\"stillOpen\":").append(stillOpen)
                .append(",\"serverTimeWait\":").append(serverTimeWait)
                .append(",\"durationMillis\":").append(duration.toMillis());
        section(sb, "byCloseMode", byCloseMode);
        section(sb, "byWhoClosed", byWhoClosed);
        return sb.append('}').toString();
    }

    private static void section(StringBuilder sb, String name, Map<? extends Enum<?>, Long> m) {
        sb.append(",\"").append(name).append("\":{");
        boolean first = true;
        for (Map.Entry<? extends Enum<?>, Long> e : m.entrySet()) {
            if (!first) {
                sb.append(',');
            }
            first = false;
            sb.append('"').append(e.getKey().name()).append("\":").append(e.getValue());
        }
        sb.append('}');
    }

    @Override
    public String toString() {
        return "DrainReport" + toJson();
    }
}
