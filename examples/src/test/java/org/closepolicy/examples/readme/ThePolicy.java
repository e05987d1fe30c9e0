package org.closepolicy.examples.readme;

// tag::policy[]
import java.time.Duration;
import java.util.Optional;
import org.closepolicy.ClosePolicies;
import org.closepolicy.ClosePolicy;
import org.closepolicy.Preset;
import org.closepolicy.Rule;
import org.closepolicy.StandardClosePolicy;
// end::policy[]

/** README, "The policy". */
final class ThePolicy {

    private ThePolicy() {
    }

    static void policies() {
        // tag::policy[]
        ClosePolicy p1 = ClosePolicies.clientFirst();                     // a preset
        ClosePolicy p2 = ClosePolicy.parse("safe-reset, close.client-wait=1s");
        StandardClosePolicy p3 = ClosePolicy.builder(Preset.KEEP_ALIVE)
                .maxRequests(10_000)
                .maxAge(Duration.ofMinutes(30)).jitter(0.10)
                .rule(Rule.builder("lb").whenRemoteIn("10.0.0.0/8").settings(s -> s.unlimitedRequests()))
                .build();
        String spec = p3.toSpec();                                         // parse(spec) gives p3 back
        Optional<StandardClosePolicy> fromJvm = ClosePolicy.fromSystemProperties(); // -Dclosepolicy="client-first"
        // end::policy[]
    }
}
