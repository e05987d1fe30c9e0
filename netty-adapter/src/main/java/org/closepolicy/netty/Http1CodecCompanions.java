package org.closepolicy.netty;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.HttpRequestDecoder;
import io.netty.handler.codec.http.HttpResponseEncoder;
import io.netty.handler.codec.http.HttpServerCodec;
import java.util.Map;

/**
 * The handlers a {@link ClosePolicyHandler} puts before the HTTP codec. This one, named
 * {@link ClosePolicyHandler#INPUT_NAME}, sees the raw bytes before the HTTP decoder: once the connection is
 * retired and nothing more read can reach the application, it counts the input toward the closing bounds and
 * discards it, instead of letting the decoder consume or hold it back. It is added when the connection retires,
 * not before: a reused connection's reads pass one handler fewer. The {@link ProtocolBytesCounter} before the
 * codec counts the HTTP bytes, input only until the raw input is discarded here.
 *
 * <p>Thread-safety: not thread-safe; confined to the channel's event loop.
 */
final class Http1CodecCompanions extends ChannelInboundHandlerAdapter {

    private final ClosePolicyHandler handler;

    /** The raw input handler of {@code handler}, made when its connection retires. */
    Http1CodecCompanions(ClosePolicyHandler handler) {
        this.handler = handler;
    }

    /** The name of the {@code HttpServerCodec} the handler was installed after, if it is still in the pipeline, else null. */
    private static String knownServerCodec(ChannelPipeline p, ClosePolicyHandler handler) {
        String name = handler.serverCodec;
        return name != null && p.get(name) instanceof HttpServerCodec ? name : null;
    }

    /** Adds the byte counter right before the first HTTP codec handler in front of the policy handler, if any. */
    static void addBytesCounter(ChannelPipeline p, ClosePolicyHandler handler) {
        String codec = knownServerCodec(p, handler);
        if (codec == null) {
            codec = firstCodecBefore(p, handler);
        }
        if (codec != null) {
            ProtocolBytesCounter.addBefore(p, codec, handler);
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        PolicyConnection c = handler.connection();
        if (c != null && msg instanceof ByteBuf b && handler.discardsInput(c)) {
            // Nothing decoded from now on is passed on: count the raw bytes (bounds and activity) and drop them.
            c.dropRead(msg, b.readableBytes());
            return;
        }
        ctx.fireChannelRead(msg);
    }

    /** The raw input handler {@code raw}, or a new one when null, added as {@link #addRawInput(ChannelPipeline)} says. */
    static Http1CodecCompanions addRawInput(ChannelPipeline p, ClosePolicyHandler handler, Http1CodecCompanions raw) {
        Http1CodecCompanions r = raw != null ? raw : new Http1CodecCompanions(handler);
        r.addRawInput(p);
        return r;
    }

    /** Puts the raw input handler right before the HTTP decoder that feeds the policy handler, if there is one. */
    void addRawInput(ChannelPipeline p) {
        if (p.context(this) != null) {
            return;
        }
        String decoder = knownServerCodec(p, handler);
        if (decoder == null) {
            decoder = decoderBefore(p, handler);
        }
        if (decoder != null) {
            p.addBefore(decoder, uniqueName(p), this);
        }
    }

    /** The first HTTP decoder before {@code handler}, or null. */
    private static String decoderBefore(ChannelPipeline p, ChannelHandler handler) {
        for (Map.Entry<String, ChannelHandler> e : p) {
            ChannelHandler h = e.getValue();
            if (h == handler) {
                return null;
            }
            if (h instanceof HttpServerCodec || h instanceof HttpRequestDecoder) {
                return e.getKey();
            }
        }
        return null;
    }

    /**
     * Removes both handlers, if they were added ({@code raw}: null when never made), from a live pipeline (a closed
     * channel's is torn down whole).
     */
    static void removeAll(ChannelPipeline p, Http1CodecCompanions raw) {
        if (!p.channel().isOpen()) {
            return;
        }
        if (raw != null && p.context(raw) != null) {
            p.remove(raw);
        }
        if (p.get(ProtocolBytesCounter.NAME) != null) {
            p.remove(ProtocolBytesCounter.NAME);
        }
    }

    private static String uniqueName(ChannelPipeline p) {
        String name = ClosePolicyHandler.INPUT_NAME;
        for (int i = 1; p.context(name) != null; i++) {
            name = ClosePolicyHandler.INPUT_NAME + "#" + i;
        }
        return name;
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

    @Override
    public String toString() {
        return "ClosePolicyHandler.Input";
    }
}
