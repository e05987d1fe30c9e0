package org.closepolicy.spi;

import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import org.closepolicy.ConnectionView;
import org.closepolicy.Retire;

/**
 * The bookkeeping of one HTTP/2 connection's graceful retirement, the same for every adapter: which client
 * streams are in flight, the last stream id the {@code GOAWAY} announces, that the {@code GOAWAY} is sent once,
 * when the last stream's end hands the connection to the close policy, and what the drain's deadline means.
 * The adapter only writes the frame, arms the deadline and carries out the result.
 * <pre>{@code
 * drain.streamOpened(stream.id());                    // a client stream became active
 * if (drain.streamEnded(stream.id())) {               // true once the GOAWAY is out and the last stream ended
 *     machine.retire(drain.finish(), true);          // the policy's who and how run now
 * }
 * if (drain.begin(retire)) {                          // false when a drain already runs: one GOAWAY only
 *     writeGoAway();                                  // then drain.goAwayWritten()
 *     armDeadline(drain.deadlineDelayNanos());        // on expiry: machine.retire(drain.expire(runtime, record), ...)
 * }
 * }</pre>
 * The drain's deadline ends streams still in flight, so the client cannot be expected to close by itself: the
 * server closes first, in the way the policy uses when it cannot wait for the client
 * ({@link AdapterRuntime#retireUnannounced}).
 *
 * <p>Thread-safety: not thread-safe; used on the connection's thread (or under its lock).
 */
public final class GoAwayDrain {

    /** A deadline beyond this is as good as none, and stays clear of schedulers' overflow. */
    private static final long LONGEST_DEADLINE_NANOS = TimeUnit.DAYS.toNanos(365);

    private int[] inFlight = new int[8];
    private int inFlightCount;
    private int lastStreamId;
    private Retire retiring;
    private boolean goAwayWritten;

    /** A drain with no stream in flight, serving streams. */
    public GoAwayDrain() {
    }

    /** A client stream became active (a request); an id already in flight is counted once. */
    public void streamOpened(int streamId) {
        if (indexOf(streamId) >= 0) {
            return;
        }
        if (inFlightCount == inFlight.length) {
            inFlight = Arrays.copyOf(inFlight, inFlightCount * 2);
        }
        inFlight[inFlightCount++] = streamId;
        lastStreamId = Math.max(lastStreamId, streamId);
    }

    /**
     * A client stream ended (with its response, or reset). An id not in flight (ended twice, or never seen)
     * changes nothing.
     *
     * @return whether this end finished the drain: the {@code GOAWAY} is written and no stream is left, so the
     *     caller now hands {@link #finish()} to the close state machine
     */
    public boolean streamEnded(int streamId) {
        int i = indexOf(streamId);
        if (i < 0) {
            return false;
        }
        inFlight[i] = inFlight[--inFlightCount];
        return drained();
    }

    private int indexOf(int streamId) {
        for (int i = 0; i < inFlightCount; i++) {
            if (inFlight[i] == streamId) {
                return i;
            }
        }
        return -1;
    }

    /** How many client streams are in flight. */
    public int inFlight() {
        return inFlightCount;
    }

    /** The highest client stream id seen: the last stream the {@code GOAWAY} lets finish; 0 before any. */
    public int lastStreamId() {
        return lastStreamId;
    }

    /** Whether a drain runs: a {@code GOAWAY} was decided and the connection is not yet handed to the policy. */
    public boolean draining() {
        return retiring != null;
    }

    /** The retirement the running drain carries out, or null. */
    public Retire retiring() {
        return retiring;
    }

    /**
     * Starts the drain with this retirement.
     *
     * @return true when the caller must now send the one {@code GOAWAY} and arm {@link #deadlineDelayNanos()};
     *     false when a drain already runs (its retirement stays)
     */
    public boolean begin(Retire r) {
        if (retiring != null) {
            return false;
        }
        retiring = r;
        goAwayWritten = false;
        return true;
    }

    /** How long the streams in flight may take from now, bounded to a year so that every scheduler accepts it. */
    public long deadlineDelayNanos() {
        return retiring == null ? 0 : Math.min(Durations.nanos(retiring.drainTimeout()), LONGEST_DEADLINE_NANOS);
    }

    /**
     * The {@code GOAWAY} is written (or could not be: the connection is going anyway).
     *
     * @return whether the drain is over now (no stream in flight): the caller hands {@link #finish()} over
     */
    public boolean goAwayWritten() {
        goAwayWritten = true;
        return drained();
    }

    /** Whether the drain is over: the {@code GOAWAY} is written and the last stream ended. */
    public boolean drained() {
        return retiring != null && goAwayWritten && inFlightCount == 0;
    }

    /**
     * Ends the drain the normal way (the streams finished, or the client closed meanwhile): the retirement the
     * {@code GOAWAY} announced, for the close state machine; null when no drain runs.
     */
    public Retire finish() {
        Retire r = retiring;
        retiring = null;
        return r;
    }

    /**
     * The drain's deadline passed with streams still in flight: the server closes first, in the way the policy
     * uses when it cannot wait for the client. Null when no drain runs.
     */
    public Retire expire(AdapterRuntime runtime, ConnectionView view) {
        Retire r = finish();
        return r == null ? null : runtime.retireUnannounced(view, r.reason(), false);
    }

    /** The connection closes without its drain: forget it. */
    public void abandon() {
        retiring = null;
    }

    @Override
    public String toString() {
        return "GoAwayDrain[inFlight=" + inFlightCount + ", lastStreamId=" + lastStreamId
                + (retiring != null ? ", draining " + retiring.reason() + (goAwayWritten ? "" : ", GOAWAY pending") : "") + "]";
    }
}
