package org.closepolicy;

import java.util.concurrent.atomic.LongAdder;
import org.closepolicy.spi.PeerMemory;

/**
 * Lock-free aggregate counters of closes, fed as a {@link CloseListener}, with a JSON rendering. Every adapter keeps
 * one for its connections ({@code stats()}); read that one rather than counting the same connections twice.
 *
 * <pre>{@code
 * NettyClosePolicy closePolicy = NettyClosePolicy.builder(policy).build();   // or a Jetty ClosePolicyConnector
 * CloseStats stats = closePolicy.stats();
 * String json = stats.toJson();
 * long serverTw = stats.whoClosed(WhoClosed.LOCAL_FIN);  // closes that left TIME_WAIT on the server
 * stats.forwardTo(CloseListener.onClose(event -> log.debug("{}", event)));   // see every event too
 * }</pre>
 *
 * <p>What the counters mean, the same on every adapter: {@link #requests()} counts requests served (an HTTP/2
 * stream is one request), on connections that have closed. {@code bytesIn}/{@code bytesOut} are
 * {@link CloseEvent#bytesIn()}/{@link CloseEvent#bytesOut()} summed: the bytes of the connection's protocol stream,
 * see there.
 *
 * <p>Thread-safety: thread-safe; counters are {@link LongAdder}s, so a snapshot taken while
 * connections close may mix slightly different instants.
 */
public final class CloseStats implements CloseListener {

    private static final CloseListener[] NONE = new CloseListener[0];

    private final LongAdder opened = new LongAdder();
    private final LongAdder closed = new LongAdder();
    private final LongAdder reused = new LongAdder();
    private final LongAdder retired = new LongAdder();
    private final LongAdder requests = new LongAdder();
    private final LongAdder bytesIn = new LongAdder();
    private final LongAdder bytesOut = new LongAdder();
    private final LongAdder closeNanos = new LongAdder();
    private final LongAdder[] whoClosed = adders(WhoClosed.values().length);
    private final LongAdder[] usedMode = adders(CloseMode.values().length);
    private final LongAdder[] fallback = adders(FallbackReason.values().length);
    private final LongAdder[] retireReason = adders(RetireReason.values().length);
    /** Copy on write: read on every event, written only when a listener is added. */
    private volatile CloseListener[] forward = NONE;
    private volatile PeerMemory peers;

    private static LongAdder[] adders(int n) {
        LongAdder[] a = new LongAdder[n];
        for (int i = 0; i < n; i++) {
            a[i] = new LongAdder();
        }
        return a;
    }

    /**
     * Also passes every callback these stats receive on to {@code listener}, after counting it: the way to see the
     * events of an adapter whose stats you already have. Adding the same listener again does nothing. An exception
     * of the listener is logged once and otherwise ignored.
     *
     * @return these stats
     */
    public CloseStats forwardTo(CloseListener listener) {
        java.util.Objects.requireNonNull(listener, "listener");
        synchronized (this) {
            for (CloseListener l : forward) {
                if (l == listener) {
                    return this;
                }
            }
            CloseListener[] next = java.util.Arrays.copyOf(forward, forward.length + 1);
            next[forward.length] = listener;
            forward = next;
        }
        return this;
    }

    @Override
    public void onOpen(ConnectionView view) {
        opened.increment();
        for (CloseListener l : forward) {
            Safely.run(l, () -> l.onOpen(view));
        }
    }

    @Override
    public void onReuse(ConnectionView view) {
        reused.increment();
        for (CloseListener l : forward) {
            Safely.run(l, () -> l.onReuse(view));
        }
    }

    @Override
    public void onRetire(ConnectionView view, Retire decision) {
        retired.increment();
        for (CloseListener l : forward) {
            Safely.run(l, () -> l.onRetire(view, decision));
        }
    }

    @Override
    public void onClose(CloseEvent e) {
        closed.increment();
        requests.add(e.requestsServed());
        bytesIn.add(e.bytesIn());
        bytesOut.add(e.bytesOut());
        closeNanos.add(e.closeDuration().toNanos());
        whoClosed[e.whoClosed().ordinal()].increment();
        if (e.usedMode() != null) {
            usedMode[e.usedMode().ordinal()].increment();
        }
        fallback[e.fallbackReason().ordinal()].increment();
        if (e.retireReason() != null) {
            retireReason[e.retireReason().ordinal()].increment();
        }
        for (CloseListener l : forward) {
            Safely.run(l, () -> l.onClose(e));
        }
    }

    /** Connections opened. */
    public long opened() {
        return opened.sum();
    }

    /** Connections closed. */
    public long closed() {
        return closed.sum();
    }

    /** Connections open now (opened minus closed). */
    public long open() {
        return Math.max(0, opened.sum() - closed.sum());
    }

    /** Reuse decisions (requests after which the connection was kept). */
    public long reused() {
        return reused.sum();
    }

    /** Retire decisions. */
    public long retired() {
        return retired.sum();
    }

    /** Bytes read, summed over closed connections (see {@link CloseEvent#bytesIn()}). */
    public long bytesIn() {
        return bytesIn.sum();
    }

    /** Bytes written, summed over closed connections (see {@link CloseEvent#bytesOut()}). */
    public long bytesOut() {
        return bytesOut.sum();
    }

    /** Requests served on closed connections. */
    public long requests() {
        return requests.sum();
    }

    /** Closed connections by who ended them first. */
    public long whoClosed(WhoClosed w) {
        return whoClosed[w.ordinal()].sum();
    }

    /** Closed connections by the mode used. */
    public long usedMode(CloseMode m) {
        return usedMode[m.ordinal()].sum();
    }

    /** Closed connections by fallback reason. */
    public long fallback(FallbackReason r) {
        return fallback[r.ordinal()].sum();
    }

    /** Closed connections by retire reason. */
    public long retireReason(RetireReason r) {
        return retireReason[r.ordinal()].sum();
    }

    /** Sum of the close durations (retirement to closed) of closed connections, in nanoseconds. */
    public long totalCloseNanos() {
        return closeNanos.sum();
    }

    /**
     * Includes what the adapter learned about HTTP/1.0 peers in {@link #toJson()} (a {@code "peers"} object:
     * addresses known to close first or to wait for EOF, probes and their outcomes). Adapters attach their
     * runtime's memory; returns this.
     */
    public CloseStats peers(PeerMemory memory) {
        this.peers = memory;
        return this;
    }

    /** The attached peer memory, or null. */
    public PeerMemory peers() {
        return peers;
    }

    /** The counters as one JSON object. */
    public String toJson() {
        StringBuilder sb = new StringBuilder(512);
        sb.append("{\"opened\":").append(opened()).append(",\"closed\":").append(closed()).append(",\"open\":").append(open())
                .append(",\"reused\":").append(reused()).append(",\"retired\":").append(retired())
                .append(",\"requests\":").append(requests()).append(",\"bytesIn\":").append(bytesIn.sum())
                .append(",\"bytesOut\":").append(bytesOut.sum());
        section(sb, "whoClosed", WhoClosed.values(), whoClosed);
        section(sb, "usedMode", CloseMode.values(), usedMode);
        section(sb, "fallback", FallbackReason.values(), fallback);
        section(sb, "retireReason", RetireReason.values(), retireReason);
        PeerMemory p = peers;
        if (p != null) {
            sb.append(",\"peers\":").append(p.toJson());
        }
        return sb.append('}').toString();
    }

    private static void section(StringBuilder sb, String name, Enum<?>[] keys, LongAdder[] values) {
        sb.append(",\"").append(name).append("\":{");
        for (int i = 0; i < keys.length; i++) {
            sb.append(i > 0 ? "," : "").append('"').append(keys[i].name()).append("\":").append(values[i].sum());
        }
        sb.append('}');
    }

    @Override
    public String toString() {
        return "CloseStats" + toJson();
    }
}
