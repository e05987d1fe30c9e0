package org.closepolicy.spring;

import org.springframework.boot.test.context.SpringBootTest;

@SpringBootTest(classes = SampleApp.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        Servers.REACTIVE, Servers.NO_NETTY,
        "closepolicy.policy=client-first"})
class WebFluxOnJettyClientFirstTest extends ClientFirstChecks {

    @Override
    String kind() {
        return "jetty";
    }
}
