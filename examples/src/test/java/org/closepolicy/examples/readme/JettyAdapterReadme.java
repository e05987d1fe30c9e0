package org.closepolicy.examples.readme;

// tag::jetty-add[]
import java.nio.ByteBuffer;
import org.closepolicy.ClosePolicies;
import org.closepolicy.jetty.ClosePolicyConnector;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.util.Callback;
// end::jetty-add[]
// tag::jetty-options[]
import org.closepolicy.CloseListener;
import org.closepolicy.ClosePolicy;
import org.closepolicy.kernel.TimeWaitSampler;
import org.closepolicy.spi.LoadMonitor;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
// end::jetty-options[]
// tag::jetty-customizer[]
import org.closepolicy.jetty.JettyClosePolicy;
// end::jetty-customizer[]

/** jetty-adapter/README.md, every snippet. */
final class JettyAdapterReadme {

    private static final Logger log = LoggerFactory.getLogger(JettyAdapterReadme.class);

    private JettyAdapterReadme() {
    }

    static String add(byte[] weatherXml) throws Exception {
        // tag::jetty-add[]
        Server server = new Server();
        ClosePolicyConnector connector = ClosePolicyConnector.builder(server, ClosePolicies.safeReset()).port(8080).addTo();
        server.setHandler(new Handler.Abstract.NonBlocking() {
            @Override
            public boolean handle(Request request, Response response, Callback callback) {
                response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/xml");
                response.write(true, ByteBuffer.wrap(weatherXml), callback);
                return true;
            }
        });
        server.start();

        String json = connector.stats().toJson();   // who closed first, modes used, fallbacks, retire reasons
        // end::jetty-add[]
        server.stop();
        return json;
    }

    static ClosePolicyConnector options(Server server, HttpConfiguration httpConfig, TimeWaitSampler timeWaitSampler) {
        // tag::jetty-options[]
        ClosePolicyConnector connector = ClosePolicyConnector.builder(server, ClosePolicy.parse("client-first, close.client-wait=1s"))
                .factories(new HttpConnectionFactory(httpConfig))
                .listener(CloseListener.onClose(event -> log.debug("{}", event)))
                .loadMonitor(new LoadMonitor(timeWaitSampler::serverTimeWait))
                .port(8080)
                .addTo();
        // end::jetty-options[]
        return connector;
    }

    static void customizer(HttpConfiguration httpConfig) {
        // tag::jetty-customizer[]
        httpConfig.addCustomizer(JettyClosePolicy.customizer(ClosePolicies.keepAlive()));
        // end::jetty-customizer[]
    }
}
