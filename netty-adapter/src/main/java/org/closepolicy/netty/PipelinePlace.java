package org.closepolicy.netty;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.HttpRequestDecoder;
import io.netty.handler.codec.http.HttpResponseEncoder;
import io.netty.handler.codec.http.HttpServerCodec;
import java.util.Map;

/**
 * Where the install helpers of {@link NettyClosePolicy} put their handlers, and the checks that fail fast with the
 * fix when a pipeline is wired so that the policy could never see what it needs (a handler before its codec sees
 * only bytes and does nothing, silently).
 *
 * <p>Thread-safety: stateless.
 */
final class PipelinePlace {

    static final String HTTP1_FIX = "add the HTTP codec first: pipeline.addLast(new HttpServerCodec()); "
            + "closePolicy.installHttp(pipeline); then your handlers";
    static final String HTTP2_FIX = "add the codec first: pipeline.addLast(Http2FrameCodecBuilder.forServer().build()); "
            + "closePolicy.installHttp2(pipeline); then pipeline.addLast(new Http2MultiplexHandler(...))";
    private static final String HTTP2_CODEC = "io.netty.handler.codec.http2.Http2FrameCodec";
    private static final String HTTP2_HANDLER = "io.netty.handler.codec.http2.Http2ConnectionHandler";
    private static final String PRIOR_KNOWLEDGE_EVENT =
            "io.netty.handler.codec.http2.CleartextHttp2ServerUpgradeHandler$PriorKnowledgeUpgradeEvent";

    private PipelinePlace() {
    }

    /**
     * The name of the handler after which an HTTP/1 policy handler goes: the {@code HttpServerCodec}, or the later
     * of an {@code HttpRequestDecoder} and an {@code HttpResponseEncoder} when both are there.
     *
     * @throws IllegalStateException when there is no HTTP/1 server codec yet
     */
    static String http1Codec(ChannelPipeline pipeline) {
        io.netty.channel.ChannelHandlerContext codec = pipeline.context(HttpServerCodec.class);
        if (codec != null) {
            return codec.name(); // the usual pipeline, found without copying the pipeline into a map
        }
        String decoder = null;
        String encoder = null;
        String last = null;
        for (Map.Entry<String, ChannelHandler> e : pipeline) {
            ChannelHandler h = e.getValue();
            if (h instanceof HttpServerCodec) {
                return e.getKey();
            }
            if (decoder == null && h instanceof HttpRequestDecoder) {
                decoder = e.getKey();
                last = decoder;
            }
            if (encoder == null && h instanceof HttpResponseEncoder) {
                encoder = e.getKey();
                last = encoder;
            }
        }
        if (decoder != null && encoder != null) {
            return last;
        }
        String found = decoder != null ? "an HttpRequestDecoder but no HttpResponseEncoder"
                : encoder != null ? "an HttpResponseEncoder but no HttpRequestDecoder" : "no HttpServerCodec";
        throw new IllegalStateException("installHttp needs an HTTP/1 server codec before the close policy handler, and the "
                + "pipeline has " + found + " " + pipeline.names() + ": " + HTTP1_FIX
                + (isHttp2(pipeline) ? " (for an HTTP/2 pipeline use installHttp2)" : ""));
    }

    /**
     * The name of the pipeline's {@code Http2FrameCodec}.
     *
     * @throws IllegalStateException when there is none yet
     */
    static String http2Codec(ChannelPipeline pipeline) {
        for (Map.Entry<String, ChannelHandler> e : pipeline) {
            if (isA(e.getValue().getClass(), HTTP2_CODEC)) {
                return e.getKey();
            }
        }
        throw new IllegalStateException("installHttp2 needs an Http2FrameCodec before the close policy handler, and the pipeline "
                + "has none " + pipeline.names() + ": " + HTTP2_FIX);
    }

    /** @throws IllegalStateException when the pipeline decodes HTTP: the raw-TCP handler would count and close beside it */
    static void checkNoHttpCodec(ChannelPipeline pipeline) {
        for (Map.Entry<String, ChannelHandler> e : pipeline) {
            ChannelHandler h = e.getValue();
            if (h instanceof HttpServerCodec || h instanceof HttpRequestDecoder) {
                throw new IllegalStateException("installTcp is for protocols other than HTTP, and the pipeline has the HTTP codec '"
                        + e.getKey() + "' " + pipeline.names() + ": for HTTP/1 call closePolicy.installHttp(pipeline) right after "
                        + "pipeline.addLast(new HttpServerCodec())");
            }
            if (isA(h.getClass(), HTTP2_HANDLER)) {
                throw new IllegalStateException("installTcp is for protocols other than HTTP, and the pipeline has the HTTP/2 codec '"
                        + e.getKey() + "' " + pipeline.names() + ": call closePolicy.installHttp2(pipeline) right after it");
            }
        }
    }

    /** The name of the first handler of this kind, or null. */
    static String nameOf(ChannelPipeline pipeline, Class<? extends ChannelHandler> kind) {
        io.netty.channel.ChannelHandlerContext ctx = pipeline.context(kind);
        return ctx == null ? null : ctx.name();
    }

    /** @throws IllegalStateException when a handler of this kind is already in the pipeline (one per connection) */
    static void checkNotInstalled(ChannelPipeline pipeline, Class<? extends ChannelHandler> kind, String call) {
        if (pipeline.get(kind) != null) {
            throw new IllegalStateException(call + " was already called for this pipeline " + pipeline.names()
                    + ": call it once per connection, in ChannelInitializer.initChannel");
        }
    }

    private static boolean isHttp2(ChannelPipeline pipeline) {
        for (Map.Entry<String, ChannelHandler> e : pipeline) {
            if (isA(e.getValue().getClass(), HTTP2_HANDLER)) {
                return true;
            }
        }
        return false;
    }

    /**
     * Whether {@code evt} says that an HTTP/1.1-or-h2c server switched to HTTP/2 without a 101 (h2c with prior
     * knowledge). Matched by name: netty-codec-http2 is optional for HTTP/1 servers.
     */
    static boolean isPriorKnowledgeUpgrade(Object evt) {
        return PRIOR_KNOWLEDGE_EVENT.equals(evt.getClass().getName());
    }

    /** Compares by name so that HTTP/1 and raw-TCP pipelines never load the optional HTTP/2 codec classes. */
    private static boolean isA(Class<?> type, String className) {
        for (Class<?> c = type; c != null; c = c.getSuperclass()) {
            if (c.getName().equals(className)) {
                return true;
            }
        }
        return false;
    }

    /**
     * Where an HTTP/1 connection's bytes are counted, once it opens: at the socket when the channel was set up for
     * it at install and the codec still comes first ({@link SocketByteCounts}), else by a byte counter before the
     * codec.
     */
    static void countHttp1Bytes(ChannelPipeline p, ClosePolicyHandler handler) {
        if (SocketByteCounts.counts(p, handler)) {
            handler.connection().countAtSocket();
        } else {
            addHttp1BytesCounter(p, handler);
        }
    }

    /**
     * Adds the connection's byte counter right before the first HTTP codec handler in front of {@code handler} (the
     * {@code HttpServerCodec} it was installed after, found by name), if there is one.
     */
    static void addHttp1BytesCounter(ChannelPipeline p, ClosePolicyHandler handler) {
        String codec = handler.serverCodec;
        if (codec == null || !(p.get(codec) instanceof HttpServerCodec)) {
            codec = firstCodecBefore(p, handler);
        }
        if (codec != null) {
            ProtocolBytesCounter.addBefore(p, codec, handler.connection());
        }
    }

    /** The first HTTP codec handler before {@code handler} (where the protocol bytes are), or null. */
    private static String firstCodecBefore(ChannelPipeline p, ChannelHandler handler) {
        for (Map.Entry<String, ChannelHandler> e : p) {
            ChannelHandler h = e.getValue();
            if (h == handler) {
                return null;
            }
            if (h instanceof HttpServerCodec || h instanceof HttpRequestDecoder || h instanceof HttpResponseEncoder) {
                return e.getKey();
            }
        }
        return null;
    }
}
