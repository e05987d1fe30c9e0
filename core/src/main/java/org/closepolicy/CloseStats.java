package org.closepolicy;

import java.util.concurrent.atomic.LongAdder;
import org.closepolicy.spi.PeerMemory;

/**
 * Lock-free aggregate counters of closes, fed as a {@link CloseListener}, with a JSON rendering.
 *
 * <pre>{@code
 * CloseStats stats = new CloseStats();
 * NettyClosePolicy netty = NettyClosePolicy.builder(policy).listener(stats).build(); // or any adapter
 * String json = stats.toJson();
 * long serverTw = stats.whoClosed(WhoClosed.LOCAL_FIN);  // closes that left TIME_WAIT on the server
 * }</pre>
 *
 * <p>Thread-safety: thread-safe; counters are {@link LongAdder}s, so a snapshot taken while
 * connections close may mix slightly different instants.
 */
public final class CloseStats implements CloseListener {

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
    private volatile PeerMemory peers;

    private static LongAdder[] adders(int n) {
        LongAdder[] a = new LongAdder[n];
        for (int i = 0; i < n; i++) {
            a[i] = new LongAdder();
        }
        return a;
    }

    @Override
    public void onOpen(ConnectionView view) {
        opened.increment();
    }

    @Override
    public void onReuse(ConnectionView view) {
        reused.increment();
    }

    @Override
    public void onRetire(ConnectionView view, Retire decision) {
        retired.increment();
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
