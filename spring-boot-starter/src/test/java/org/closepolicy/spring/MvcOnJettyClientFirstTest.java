package org.closepolicy.spring;

import org.springframework.boot.test.context.SpringBootTest;

@SpringBootTest(classes = SampleApp.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        Servers.SERVLET,
        "closepolicy.policy=client-first",
        "management.endpoints.web.exposure.include=closepolicy"})
class MvcOnJettyClientFirstTest extends ClientFirstWithActuatorChecks {

    @Override
    String kind() {
        return "jetty";
    }
}
