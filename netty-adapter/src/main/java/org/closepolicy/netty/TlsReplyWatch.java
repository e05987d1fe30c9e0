package org.closepolicy.netty;

import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import org.closepolicy.spi.CloseStateMachine;

/**
 * Tells the RST in reply to the client's FIN (rule 0) the TLS layer's own answer apart from the response. A TLS
 * engine may answer the client's {@code close_notify} with its own (the JDK's TLS 1.3 engine does when a JDK
 * client closes, with {@code user_canceled} first): written the moment the alert is read, it is still
 * unacknowledged when the client's FIN, read in the same go, asks whether every byte has arrived, and the "not
 * yet" answer of the socket would turn the RST into a FIN (the client keeps TIME_WAIT). Sitting right before the
 * {@code SslHandler}, this handler looks at the socket each time raw bytes arrive while the connection waits for the
 * client's FIN, before the {@code SslHandler} can answer them. When it read "none in flight" then and only the
 * TLS layer wrote since (the response was flushed before the wait began; the policy handler drops the
 * application's writes), what is in flight is only that answer, which the client, having closed, does not read:
 * the answer is taken from that look.
 * <pre>{@code
 * head ... [closePolicyTlsReplies] [SslHandler] ... [HttpServerCodec] [closePolicy] ... tail
 * }</pre>
 * Added by the transport when a connection over TLS retires with an RST; one per channel.
 *
 * <p>Thread-safety: not thread-safe; confined to the channel's event loop.
 */
final class TlsReplyWatch extends ChannelDuplexHandler {

    /** The name under which the transport adds it. */
    static final String NAME = "closePolicyTlsReplies";

    private final CloseStateMachine machine;
    /** At the last read while waiting for the client's FIN nothing was in flight, and only TLS wrote since. */
    private boolean noneInFlightBeforeTlsAnswered;

    TlsReplyWatch(CloseStateMachine machine) {
        this.machine = machine;
    }

    /** Whether the bytes in flight now, if any, are only what the TLS layer wrote in answer to the client's last bytes. */
    boolean onlyTlsAnswerInFlight() {
        return noneInFlightBeforeTlsAnswered;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
        noneInFlightBeforeTlsAnswered = waitingForPeerFin() && Unacknowledged.of(ctx.channel()) == 0;
        ctx.fireChannelRead(msg);
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) throws Exception {
        if (!waitingForPeerFin()) {
            noneInFlightBeforeTlsAnswered = false;
        }
        ctx.write(msg, promise);
    }

    private boolean waitingForPeerFin() {
        return machine.state() == CloseStateMachine.State.AWAIT_PEER_FIN;
    }

    @Override
    public String toString() {
        return "TlsReplyWatch";
    }
}
