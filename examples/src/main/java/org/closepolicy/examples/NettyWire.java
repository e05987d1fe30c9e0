package org.closepolicy.examples;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.codec.http2.Http2CodecUtil;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.ApplicationProtocolNegotiationHandler;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import java.util.List;
import java.util.function.Consumer;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLException;

/**
 * What {@link Wire} means in a Netty pipeline: TLS with ALPN (h2, http/1.1), or cleartext with HTTP/2 by prior
 * knowledge told apart from HTTP/1.1 by the first bytes.
 *
 * <p>Thread-safety: stateless.
 */
final class NettyWire {

    private NettyWire() {
    }

    static SslContext sslContext(Wire wire) {
        try {
            KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(wire.keyStore(), wire.password());
            SslContextBuilder b = SslContextBuilder.forServer(kmf).sslProvider(SslProvider.JDK);
            if (wire.http2()) {
                b.applicationProtocolConfig(new ApplicationProtocolConfig(ApplicationProtocolConfig.Protocol.ALPN,
                        ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
                        ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT,
                        ApplicationProtocolNames.HTTP_2, ApplicationProtocolNames.HTTP_1_1));
            }
            return b.build();
        } catch (SSLException | java.security.GeneralSecurityException e) {
            throw new IllegalStateException("cannot set up TLS from the key store: " + e.getMessage(), e);
        }
    }

    /** Builds a connection's pipeline: TLS first when asked, then HTTP/1.1 or HTTP/2. */
    static void initChannel(SocketChannel ch, Wire wire, SslContext tls, Consumer<ChannelPipeline> http1, Consumer<ChannelPipeline> http2) {
        ChannelPipeline p = ch.pipeline();
        if (tls != null) {
            p.addLast("tls", tls.newHandler(ch.alloc()));
            if (wire.http2()) {
                p.addLast("alpn", new ApplicationProtocolNegotiationHandler(ApplicationProtocolNames.HTTP_1_1) {
                    @Override
                    protected void configurePipeline(ChannelHandlerContext ctx, String protocol) {
                        if (ApplicationProtocolNames.HTTP_2.equals(protocol)) {
                            http2.accept(ctx.pipeline());
                        } else {
                            http1.accept(ctx.pipeline());
                        }
                    }
                });
                return;
            }
            http1.accept(p);
        } else if (wire.http2()) {
            p.addLast("sniff", new PriorKnowledge(http1, http2));
        } else {
            http1.accept(p);
        }
    }

    /** Reads until the HTTP/2 connection preface is seen or ruled out, builds the pipeline for it, and leaves. */
    private static final class PriorKnowledge extends ByteToMessageDecoder {
        private static final ByteBuf PREFACE = Http2CodecUtil.connectionPrefaceBuf();
        private final Consumer<ChannelPipeline> http1;
        private final Consumer<ChannelPipeline> http2;

        PriorKnowledge(Consumer<ChannelPipeline> http1, Consumer<ChannelPipeline> http2) {
            this.http1 = http1;
            this.http2 = http2;
        }

        @Override
        protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
            int n = Math.min(in.readableBytes(), PREFACE.readableBytes());
            boolean h2 = ByteBufUtil.equals(PREFACE, PREFACE.readerIndex(), in, in.readerIndex(), n);
            if (h2 && n < PREFACE.readableBytes()) {
                return; // the preface so far: wait for the rest
            }
            if (h2) {
                http2.accept(ctx.pipeline());
            } else {
                http1.accept(ctx.pipeline());
            }
            // Removing a decoder passes on what it holds, to the pipeline just built.
            ctx.pipeline().remove(this);
        }
    }
}
