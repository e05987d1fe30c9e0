package org.closepolicy.reactor;

import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.handler.codec.http2.Http2StreamChannel;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.UnaryOperator;
import org.closepolicy.ClosePolicy;
import org.closepolicy.testkit.DeterministicBytes;
import reactor.core.publisher.Mono;
import reactor.netty.Connection;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;

/** A Reactor Netty server on an ephemeral loopback port with a policy installed; records connection pipelines. */
final class ReactorServer implements AutoCloseable {

    static final int SMALL = 1_900;

    final ReactorClosePolicy closePolicy;
    final DisposableServer server;
    /** The pipeline names of each connection's channel (for HTTP/2: the parent of the stream), per request. */
    final List<List<String>> pipelines = new CopyOnWriteArrayList<>();
    /** The pipeline names of an HTTP/1 connection's channel while it serves each request. */
    final List<List<String>> pipelinesAtRequest = new CopyOnWriteArrayList<>();

    ReactorServer(ClosePolicy policy, UnaryOperator<HttpServer> config) {
        this.closePolicy = ReactorClosePolicy.of(policy);
        byte[] body = DeterministicBytes.generate(SMALL);
        HttpServer s = HttpServer.create()
                .host("127.0.0.1")
                .port(0)
                .doOnConnection(c -> {
                    Channel ch = c.channel() instanceof Http2StreamChannel ? c.channel().parent() : c.channel();
                    pipelines.add(List.copyOf(ch.pipeline().names()));
                })
                .handle((req, res) -> {
                    if (req instanceof Connection c && !(c.channel() instanceof Http2StreamChannel)) {
                        pipelinesAtRequest.add(List.copyOf(c.channel().pipeline().names()));
                    }
                    return res.header("Content-Length", String.valueOf(body.length)).send(Mono.just(Unpooled.wrappedBuffer(body)));
                });
        this.server = closePolicy.applyTo(config.apply(s)).bindNow();
    }

    int port() {
        return server.port();
    }

    InetSocketAddress address() {
        return new InetSocketAddress("127.0.0.1", server.port());
    }

    @Override
    public void close() {
        server.disposeNow();
    }
}
