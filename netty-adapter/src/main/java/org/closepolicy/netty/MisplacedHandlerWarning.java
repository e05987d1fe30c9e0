package org.closepolicy.netty;

import io.netty.channel.ChannelHandlerContext;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The warning, logged once per handler kind and process, that a close policy handler sees messages it cannot act
 * on: it sits in the wrong place of the pipeline, so it passes them on and the policy does nothing for them.
 *
 * <p>Thread-safety: thread-safe.
 */
final class MisplacedHandlerWarning {

    private static final Logger LOG = LoggerFactory.getLogger(NettyClosePolicy.class);

    private final AtomicBoolean logged = new AtomicBoolean();
    private final String handler;
    private final String expected;
    private final String fix;

    MisplacedHandlerWarning(String handler, String expected, String fix) {
        this.handler = handler;
        this.expected = expected;
        this.fix = fix;
    }

    /** Logs the warning the first time, naming the message type and the pipeline; later calls do nothing. */
    void seen(ChannelHandlerContext ctx, Object msg) {
        if (!logged.get() && logged.compareAndSet(false, true)) {
            LOG.warn(message(ctx, msg));
        }
    }

    /** What the warning says. */
    String message(ChannelHandlerContext ctx, Object msg) {
        return handler + " received a " + msg.getClass().getName() + " where it expects " + expected
                + ", so the close policy does nothing for it (pipeline " + ctx.pipeline().names() + "): " + fix
                + ". Logged once.";
    }

    /** Whether the warning was logged (for tests). */
    boolean logged() {
        return logged.get();
    }
}
