package org.closepolicy.netty;

/**
 * A user event a {@link TcpCloseHandler} fires down the pipeline when the server begins to drain
 * ({@link NettyClosePolicy#drain}): the application's cue to end the conversation in its own protocol and
 * call {@link CloseControl#retire}. A connection that stays quiet for the drain's idle grace is closed by the
 * policy's idle retirement anyway, and the drain's deadline closes the rest gracefully.
 * <pre>{@code
 * public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
 *     if (evt == DrainingEvent.INSTANCE) {
 *         ctx.writeAndFlush(goodbyeMessage());
 *         CloseControl.retire(ctx);               // the policy's who and how, once the goodbye is flushed
 *     }
 *     ctx.fireUserEventTriggered(evt);
 * }
 * }</pre>
 *
 * <p>Thread-safety: immutable.
 */
public final class DrainingEvent {

    /** The only instance. */
    public static final DrainingEvent INSTANCE = new DrainingEvent();

    private DrainingEvent() {
    }

    @Override
    public String toString() {
        return "DrainingEvent";
    }
}
