package org.closepolicy.spring;

import org.springframework.boot.test.context.SpringBootTest;

@SpringBootTest(classes = SampleApp.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        Servers.SERVLET})
class JettyTlsAndHttp2Test extends TlsChecks {
}
