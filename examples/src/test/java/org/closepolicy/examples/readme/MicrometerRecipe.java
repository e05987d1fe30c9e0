package org.closepolicy.examples.readme;

import io.micrometer.core.instrument.MeterRegistry;
// tag::micrometer-simple[]
import org.closepolicy.ClosePolicies;
import org.closepolicy.micrometer.ClosePolicyMetrics;
import org.closepolicy.netty.NettyClosePolicy;
// end::micrometer-simple[]
// tag::micrometer[]
import org.closepolicy.kernel.TimeWaitSampler;
// end::micrometer[]

/** README, "Micrometer": the adapter's own stats bound to a registry. */
final class MicrometerRecipe {

    private MicrometerRecipe() {
    }

    static NettyClosePolicy simple(MeterRegistry registry) {
        // tag::micrometer-simple[]
        NettyClosePolicy closePolicy = NettyClosePolicy.builder(ClosePolicies.clientFirst()).build(); // or a ClosePolicyConnector
        ClosePolicyMetrics.bind(registry, closePolicy.stats());
        // end::micrometer-simple[]
        return closePolicy;
    }

    static TimeWaitSampler withOptions(MeterRegistry registry, NettyClosePolicy closePolicy) {
        // tag::micrometer[]
        TimeWaitSampler timeWait = TimeWaitSampler.builder().ports(8080).build();   // optional, Linux only
        ClosePolicyMetrics.builder(closePolicy.stats())                             // the adapter's own counts
                .timeWaitSampler(timeWait)
                .tag("server", "api")
                .build()
                .bindTo(registry);
        // end::micrometer[]
        return timeWait;
    }
}
