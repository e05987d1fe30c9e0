package org.closepolicy.netty;

import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.ssl.SslHandler;
import java.util.Map;

/**
 * Where TLS sits in a pipeline. The netty-handler jar is optional for raw-TCP users, so {@link SslHandler} is only
 * touched after a class check.
 *
 * <p>What TLS changes for the close, in one place:
 * <ul>
 *   <li>a close that passes the {@code SslHandler} sends {@code close_notify}, then the FIN once it is flushed
 *       (Netty's {@code SslHandler.close}); the peer's {@code close_notify} only fires an
 *       {@code SslCloseCompletionEvent}: Netty leaves the TCP close to the pipeline, so client-first still waits
 *       for the TCP FIN that follows it and records {@code REMOTE_FIN};</li>
 *   <li>lingering sends {@code close_notify} before it shuts the output down;</li>
 *   <li>an RST starts in front of the {@code SslHandler}: no {@code close_notify};</li>
 *   <li>the ack check reads the kernel's send queue, so it counts TLS record bytes, not plaintext;</li>
 *   <li>the {@code close_notify} the {@code SslHandler} writes in answer to the client's does not count as
 *       unacknowledged for the RST in reply to the client's FIN ({@link TlsReplyWatch}).</li>
 * </ul>
 *
 * <p>Thread-safety: stateless; call on the channel's event loop.
 */
final class Tls {

    private static final Class<?> SSL_HANDLER = load("io.netty.handler.ssl.SslHandler");

    private Tls() {
    }

    /** The context of the last {@code SslHandler} before {@code ctx} in its pipeline, or null. */
    static ChannelHandlerContext contextBefore(ChannelHandlerContext ctx) {
        if (SSL_HANDLER == null) {
            return null;
        }
        String name = null;
        for (Map.Entry<String, ChannelHandler> e : ctx.pipeline()) {
            ChannelHandler h = e.getValue();
            if (h == ctx.handler()) {
                break;
            }
            if (SSL_HANDLER.isInstance(h)) {
                name = e.getKey();
            }
        }
        return name == null ? null : ctx.pipeline().context(name);
    }

    /** The name of the last {@code SslHandler} of a pipeline, or null. */
    static String lastName(Iterable<Map.Entry<String, ChannelHandler>> pipeline) {
        if (SSL_HANDLER == null) {
            return null;
        }
        String name = null;
        for (Map.Entry<String, ChannelHandler> e : pipeline) {
            if (SSL_HANDLER.isInstance(e.getValue())) {
                name = e.getKey();
            }
        }
        return name;
    }

    /** Sends {@code close_notify} without closing the channel; completes when it is flushed. */
    static ChannelFuture closeOutbound(ChannelHandlerContext tls) {
        return ((SslHandler) tls.handler()).closeOutbound();
    }

    private static Class<?> load(String name) {
        try {
            return Class.forName(name, false, Tls.class.getClassLoader());
        } catch (ClassNotFoundException | LinkageError e) {
            return null;
        }
    }
}
