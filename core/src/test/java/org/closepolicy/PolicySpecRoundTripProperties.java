package org.closepolicy;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Properties;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.closepolicy.support.PolicyArbitraries;

/** {@code toSpec()} is the exact text form of every built policy. */
class PolicySpecRoundTripProperties {

    @Provide
    Arbitrary<StandardClosePolicy> policies() {
        return PolicyArbitraries.policies();
    }

    @Provide
    Arbitrary<Cidr> cidrs() {
        return PolicyArbitraries.cidrs();
    }

    @Property(tries = 400)
    void parsingTheSpecOfABuiltPolicyGivesAnEqualPolicy(@ForAll("policies") StandardClosePolicy p) {
        String spec = p.toSpec();
        StandardClosePolicy back = ClosePolicy.parse(spec);
        assertThat(back).isEqualTo(p).hasSameHashCodeAs(p);
        assertThat(back.toSpec()).isEqualTo(spec);
    }

    @Property(tries = 200)
    void theSpecAlsoRoundTripsThroughProperties(@ForAll("policies") StandardClosePolicy p) {
        Properties props = new Properties();
        StringBuilder order = new StringBuilder();
        for (String entry : p.toSpec().split(", ")) {
            int eq = entry.indexOf('=');
            props.setProperty("app.close." + entry.substring(0, eq), entry.substring(eq + 1));
        }
        for (Rule r : p.rules()) {
            order.append(order.length() > 0 ? "|" : "").append(r.name());
        }
        if (order.length() > 0) {
            props.setProperty("app.close.rule-order", order.toString());
        }
        assertThat(ClosePolicy.fromProperties(props, "app.close.")).contains(p);
    }

    @Property(tries = 500)
    void aBlockPrintsAsTextThatParsesBackToIt(@ForAll("cidrs") Cidr c) {
        assertThat(Cidr.parse(c.toString())).isEqualTo(c).hasSameHashCodeAs(c);
    }
}
