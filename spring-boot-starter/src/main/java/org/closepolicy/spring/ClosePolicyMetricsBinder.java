package org.closepolicy.spring;

import io.micrometer.core.instrument.MeterRegistry;
import java.util.HashMap;
import java.util.Map;
import org.closepolicy.micrometer.ClosePolicyMetrics;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.SmartInitializingSingleton;

/**
 * Binds {@code closepolicy.*} meters to the application's {@link MeterRegistry} (the unique or primary one), from each installed server's own
 * {@link org.closepolicy.CloseStats} (no second statistics object), and routes its close events to the meters' close
 * listener. Runs once every singleton exists: the embedded server, and so its adapter, is created before that.
 * Each server's meters carry the tag {@code server} ({@code jetty}, {@code reactor-netty}; {@code jetty-1} … for
 * more connectors).
 *
 * <p>Thread-safety: called once by the container.
 */
public final class ClosePolicyMetricsBinder implements SmartInitializingSingleton {

    private final ObjectProvider<MeterRegistry> registries;
    private final ClosePolicyServers servers;

    public ClosePolicyMetricsBinder(ObjectProvider<MeterRegistry> registries, ClosePolicyServers servers) {
        this.registries = registries;
        this.servers = servers;
    }

    @Override
    public void afterSingletonsInstantiated() {
        // The application's registry (the primary one, a composite when there are several): binding each child too
        // would count every close twice.
        MeterRegistry registry = registries.getIfUnique();
        if (registry == null) {
            return;
        }
        Map<String, Integer> seen = new HashMap<>();
        for (ClosePolicyServers.InstalledServer s : servers.servers()) {
            int n = seen.merge(s.kind(), 1, Integer::sum);
            String tag = n == 1 ? s.kind() : s.kind() + "-" + (n - 1);
            ClosePolicyMetrics metrics = ClosePolicyMetrics.builder(s.stats()).tag("server", tag).build();
            metrics.bindTo(registry);
            s.listener().forwardTo(metrics.closeListener());
        }
    }
}
