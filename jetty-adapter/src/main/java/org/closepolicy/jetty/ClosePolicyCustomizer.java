package org.closepolicy.jetty;

import org.closepolicy.CloseListener;
import org.closepolicy.ClosePolicy;
import org.closepolicy.Ticker;
import org.closepolicy.spi.AdapterRuntime;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpVersion;
import org.eclipse.jetty.server.ConnectionMetaData;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.Request;

/**
 * Applies a {@link ClosePolicy}'s reuse decisions to HTTP/1 requests: after how many requests
 * (Jetty itself has no such limit), at what (jittered) age, and whether to honour the client's
 * {@code Connection: close}; HTTP/1.0 clients without keep-alive are never kept.
 *
 * <p>The policy decides when the response is committed: the customizer wraps each exchange's
 * {@code HttpStream} ({@link Request#addHttpStreamWrapper}) and decides in
 * {@code HttpStream.prepareResponse}, which Jetty calls under its request lock with the still
 * mutable response headers, right before they are written. A retiring response gets
 * {@code Connection: close}, which makes Jetty's generator treat the connection as non-persistent;
 * a retiring HTTP/1.1 response of unknown length is sent chunked rather than delimited by EOF, so
 * that the client can see its end and close first. When the policy keeps the connection, the
 * endpoint's idle timeout becomes the policy's idle timeout (see
 * {@link org.closepolicy.CloseSettings} for why it must exceed the clients').
 *
 * <p>On a {@link ClosePolicyConnector} (which installs one automatically) the connector's endpoint
 * also carries out who closes first and how. Added to a plain {@code ServerConnector}'s
 * configuration it only adds {@code Connection: close}, and Jetty closes the way it always does:
 * <pre>{@code
 * HttpConfiguration config = new HttpConfiguration();
 * config.addCustomizer(JettyClosePolicy.customizer(ClosePolicy.parse("keep-alive, reuse.max-requests=500")));
 * ServerConnector connector = new ServerConnector(server, new HttpConnectionFactory(config));
 * }</pre>
 * On a {@link ClosePolicyConnector} each HTTP/2 stream counts as one request of its connection: the
 * connection is retired with a {@code GOAWAY} (see {@link ClosePolicyConnector}). On a plain
 * connector HTTP/2 and HTTP/3 requests pass through untouched.
 *
 * <p>Thread-safety: thread-safe; one instance serves every connection of a configuration.
 */
public final class ClosePolicyCustomizer implements HttpConfiguration.Customizer {

    private final AdapterRuntime runtime;

    /** A customizer for this policy (wrapped with {@link org.closepolicy.ClosePolicies#guarded}). */
    public ClosePolicyCustomizer(ClosePolicy policy) {
        this(policy, CloseListener.NONE, Ticker.system());
    }

    /** A customizer reporting reuse and retire decisions to {@code listener}. */
    public ClosePolicyCustomizer(ClosePolicy policy, CloseListener listener) {
        this(policy, listener, Ticker.system());
    }

    /** A customizer with an explicit clock (tests). */
    public ClosePolicyCustomizer(ClosePolicy policy, CloseListener listener, Ticker ticker) {
        this(AdapterRuntime.builder(policy)
                .listener(listener == null ? CloseListener.NONE : listener)
                .ticker(ticker == null ? Ticker.system() : ticker)
                .build());
    }

    ClosePolicyCustomizer(AdapterRuntime runtime) {
        this.runtime = runtime;
    }

    /** The policy applied, as guarded. */
    public ClosePolicy policy() {
        return runtime.policy();
    }

    AdapterRuntime runtime() {
        return runtime;
    }

    @Override
    public Request customize(Request request, HttpFields.Mutable responseHeaders) {
        ConnectionMetaData meta = request.getConnectionMetaData();
        HttpVersion version = meta.getHttpVersion();
        if (version == HttpVersion.HTTP_2) {
            Http2Retirement http2 = ControlLookup.http2Of(meta.getConnection());
            if (http2 != null) {
                int streamId = http2.beginStream(request.getId());
                request.addHttpStreamWrapper(stream -> new Http2Exchange(stream, http2, streamId));
            }
            return request;
        }
        if (version != HttpVersion.HTTP_1_1 && version != HttpVersion.HTTP_1_0) {
            return request;
        }
        Http1Exchanges http1 = ControlLookup.http1Of(request, runtime);
        if (http1.beginExchange(request, version)) {
            request.addHttpStreamWrapper(stream -> new ExchangeStream(stream, http1, request));
        }
        return request;
    }

    @Override
    public String toString() {
        return "ClosePolicyCustomizer[" + runtime.policy() + "]";
    }
}
