package org.closepolicy.spring;

import org.springframework.boot.test.context.SpringBootTest;

@SpringBootTest(classes = SampleApp.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        Servers.REACTIVE, Servers.NO_JETTY_REACTIVE})
class ReactorNettyTlsAndHttp2Test extends TlsChecks {
}
