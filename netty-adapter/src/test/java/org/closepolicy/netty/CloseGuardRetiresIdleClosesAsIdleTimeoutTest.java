package org.closepolicy.netty;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.timeout.IdleStateHandler;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.closepolicy.CloseListener;
import org.closepolicy.ClosePolicies;
import org.closepolicy.RetireReason;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A close issued between the codec and the policy handler reaches the policy through the {@link CloseGuard}: from
 * behind an idle-state handler (where Reactor Netty's idle timeout closes) it retires the connection as an idle
 * timeout, from any other handler there as the application's close.
 */
class CloseGuardRetiresIdleClosesAsIdleTimeoutTest {

    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void theRetireReasonSaysWhoClosed(boolean idleHandler) {
        List<RetireReason> reasons = new CopyOnWriteArrayList<>();
        NettyClosePolicy closePolicy = NettyClosePolicy.builder(ClosePolicies.keepAlive())
                .listener(CloseListener.onRetire((view, retire) -> reasons.add(retire.reason())))
                .build();
        EmbeddedChannel ch = new EmbeddedChannel();
        ChannelPipeline p = ch.pipeline();
        p.addLast("codec", new HttpServerCodec());
        closePolicy.installHttp(p);
        assertThat(CloseGuard.install(p)).isTrue();
        ChannelHandler inFront = idleHandler ? new IdleStateHandler(0, 0, 0) : new ChannelOutboundHandlerAdapter();
        p.addAfter("codec", "inFront", inFront);

        p.context("inFront").close();

        assertThat(reasons).containsExactly(idleHandler ? RetireReason.IDLE_TIMEOUT : RetireReason.APPLICATION);
        ch.finishAndReleaseAll();
    }
}
