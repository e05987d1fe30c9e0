package org.closepolicy;

/**
 * The load figures that load rules match on: open connections of this server and TIME_WAIT
 * entries the kernel holds for its port(s).
 *
 * <p>Adapters pass one live instance to every connection view (see
 * {@link org.closepolicy.spi.LoadMonitor}), so reading it costs two volatile reads and no allocation.
 * <pre>{@code
 * Rule busy = Rule.builder("busy").whenMinServerTimeWait(10_000).settings(s -> s.closer(Closer.CLIENT_FIRST)).build();
 * }</pre>
 *
 * <p>Thread-safety: implementations must be safe to read from any thread.
 */
public interface Load {

    /** A load of zero: load rules never match it. */
    Load NONE = new Load() {
        @Override
        public long openConnections() {
            return 0;
        }

        @Override
        public long serverTimeWait() {
            return 0;
        }

        @Override
        public String toString() {
            return "Load.NONE";
        }
    };

    /** Connections currently open on this server. */
    long openConnections();

    /** TIME_WAIT entries the kernel holds on the server's local port(s), as last sampled; 0 when unknown. */
    long serverTimeWait();
}
