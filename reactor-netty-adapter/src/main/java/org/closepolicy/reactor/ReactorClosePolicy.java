package org.closepolicy.reactor;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http2.Http2FrameCodec;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import java.net.SocketAddress;
import java.util.Objects;
import org.closepolicy.ClosePolicy;
import org.closepolicy.CloseStats;
import org.closepolicy.netty.CloseGuard;
import org.closepolicy.netty.NettyClosePolicy;
import reactor.netty.ChannelPipelineConfigurer;
import reactor.netty.ConnectionObserver;
import reactor.netty.NettyPipeline;
import reactor.netty.http.server.HttpServer;

/**
 * Installs a close policy into a Reactor Netty {@link HttpServer} (1.3): closepolicy's Netty handlers go into every
 * connection's pipeline through {@link HttpServer#doOnChannelInit} (once per connection; {@code doOnConnection} runs
 * per request).
 * <pre>{@code
 * ReactorClosePolicy closePolicy = ReactorClosePolicy.of(ClosePolicies.clientFirst());
 * DisposableServer server = closePolicy.applyTo(HttpServer.create())
 *         .port(8080)
 *         .handle((req, res) -> res.sendString(Mono.just("hello")))
 *         .bindNow();
 * closePolicy.stats().toJson();
 * }</pre>
 *
 * <p>Where the handlers go, and why:
 * <ul>
 *   <li>HTTP/1.1 (cleartext, or TLS without h2): the {@code ClosePolicyHandler} right after Reactor's
 *       {@code reactor.left.httpCodec}. {@code HttpTrafficHandler} decides keep-alive after it: its
 *       {@code maxKeepAliveRequests} and {@code Connection: close} responses reach the policy handler marked
 *       {@code Connection: close}, and its {@code ChannelFutureListener.CLOSE} is a pipeline close that the policy
 *       handler carries out the policy's way (client-first waits for the client's FIN). Reactor adds its
 *       idle-timeout handler right after the codec whenever a connection goes idle, in front of the policy
 *       handler: a {@link CloseGuard} before the codec hands its {@code ctx.close()} to the policy, so an idle close
 *       is an unannounced retirement (reason {@code IDLE_TIMEOUT}) closed as the policy says (the server closes
 *       first, with the policy's mode).</li>
 *   <li>h2 over TLS: the codec exists only after the ALPN handshake; a small handler waits for the handshake
 *       event, lets Reactor build the pipeline, then installs the HTTP/2 handler (or the HTTP/1.1 one when ALPN
 *       chose http/1.1) and removes itself.</li>
 *   <li>h2c with prior knowledge ({@code protocol(HttpProtocol.H2C)} alone): the HTTP/2 handler right after the
 *       frame codec. An HTTP/1.1-and-h2c server ({@code H2C, HTTP11}) serves HTTP/1.1 under the policy; a
 *       connection that switches to h2c (upgrade or prior knowledge) is passed through, as after any upgrade.</li>
 *   <li>TLS: safe-reset's RST in reply to the client's FIN is not held back by the {@code close_notify} the
 *       {@code SslHandler} may write in answer to the client's (see the Netty adapter's TLS notes).</li>
 *   <li>Half-closure: Reactor does not handle a client's input shutdown; the handlers turn on
 *       {@code ALLOW_HALF_CLOSURE} and end a half-closed connection themselves.</li>
 * </ul>
 *
 * <p><b>{@code maxKeepAliveRequests} and {@code reuse.max-requests}.</b> Both apply and the smaller one wins: Reactor
 * marks its last response {@code Connection: close}, which the policy takes as a retirement; the policy's own limit
 * marks its last response the same way. Either way the close is carried out as the policy says.
 *
 * <p>Thread-safety: immutable and thread-safe; use one instance per server.
 */
public final class ReactorClosePolicy implements ChannelPipelineConfigurer {

    /** The name of the handler that installs after the TLS handshake. */
    static final String ALPN_INSTALLER = "closePolicyAlpnInstaller";

    private final NettyClosePolicy netty;

    private ReactorClosePolicy(NettyClosePolicy netty) {
        this.netty = netty;
    }

    /** Installs this Netty close policy (its listener, stats, load monitor) into Reactor Netty servers. */
    public static ReactorClosePolicy of(NettyClosePolicy netty) {
        return new ReactorClosePolicy(Objects.requireNonNull(netty, "netty"));
    }

    /** Installs {@code policy} with the defaults of {@link NettyClosePolicy#builder}. */
    public static ReactorClosePolicy of(ClosePolicy policy) {
        return of(NettyClosePolicy.builder(policy).build());
    }

    /** {@code server} with this policy installed on every connection (keeps any earlier {@code doOnChannelInit}). */
    public HttpServer applyTo(HttpServer server) {
        Objects.requireNonNull(server, "server");
        ChannelPipelineConfigurer earlier = server.configuration().doOnChannelInit();
        return server.doOnChannelInit(earlier == null ? this : earlier.then(this));
    }

    /** The Netty close policy behind it: statistics, load, the policy as applied. */
    public NettyClosePolicy netty() {
        return netty;
    }

    /** The statistics of every connection (the same object as {@code netty().stats()}). */
    public CloseStats stats() {
        return netty.stats();
    }

    @Override
    public void onChannelInit(ConnectionObserver observer, Channel channel, SocketAddress remoteAddress) {
        ChannelPipeline p = channel.pipeline();
        if (install(p)) {
            return;
        }
        if (p.get(NettyPipeline.H2OrHttp11Codec) != null) {
            p.addBefore(NettyPipeline.H2OrHttp11Codec, ALPN_INSTALLER, new AlpnInstaller());
        }
    }

    /** Installs into a pipeline whose codec is there; false when there is none yet (TLS with ALPN pending). */
    boolean install(ChannelPipeline p) {
        if (p.get(HttpServerCodec.class) != null) {
            netty.installHttp(p);
            CloseGuard.install(p);
            return true;
        }
        if (p.get(Http2FrameCodec.class) != null) {
            netty.installHttp2(p);
            return true;
        }
        return false;
    }

    @Override
    public String toString() {
        return "ReactorClosePolicy[" + netty + "]";
    }

    /**
     * Sits in front of Reactor's ALPN handler; passes the handshake event on (Reactor builds the h2 or HTTP/1.1
     * pipeline while handling it), then installs on the finished pipeline.
     */
    private final class AlpnInstaller extends ChannelInboundHandlerAdapter {
        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
            if (!(evt instanceof SslHandshakeCompletionEvent done)) {
                ctx.fireUserEventTriggered(evt);
                return;
            }
            ChannelPipeline p = ctx.pipeline();
            ctx.fireUserEventTriggered(evt);
            if (!ctx.isRemoved()) {
                p.remove(this);
            }
            if (done.isSuccess() && ctx.channel().isActive()) {
                install(p);
            }
        }

        @Override
        public String toString() {
            return "ReactorClosePolicy.AlpnInstaller";
        }
    }
}
