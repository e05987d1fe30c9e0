package org.closepolicy.jetty;

import org.closepolicy.spi.AdapterRuntime;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import org.closepolicy.CloseMode;
import org.closepolicy.ClosePolicies;
import org.closepolicy.ClosePolicy;
import org.closepolicy.Closer;
import org.closepolicy.HttpVersion;
import org.closepolicy.Preset;
import org.closepolicy.Protocol;
import org.closepolicy.Retire;
import org.closepolicy.RetireReason;
import org.closepolicy.Reuse;
import org.closepolicy.StandardClosePolicy;
import org.closepolicy.spi.ConnectionRecord;
import org.eclipse.jetty.io.QuietException;
import org.eclipse.jetty.server.HttpStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * When Jetty ends a connection on its own (the application's {@code Connection: close}, a request
 * body left unread, an error response) or finds it idle, the adapter still closes it the way the
 * policy's settings say, adjusted as the core adjusts its own decisions.
 */
class ClosesJettyForcesFollowTheCoreRulesTest {

    static final InetSocketAddress REMOTE = new InetSocketAddress("127.0.0.1", 40000);
    static final InetSocketAddress LOCAL = new InetSocketAddress("127.0.0.1", 8080);

    static ConnectionRecord served(boolean eofDelimited, boolean unread) {
        ConnectionRecord r = new ConnectionRecord(Protocol.HTTP1, REMOTE, LOCAL, 0, null);
        r.onRequest(HttpVersion.HTTP_1_1, false, 1);
        r.onResponse(eofDelimited, unread, 2);
        return r;
    }

    static AdapterRuntime runtime(ClosePolicy policy) {
        return AdapterRuntime.builder(policy).build();
    }

    @Test
    void keptConnectionThatJettyClosesRetiresWithTheSettingsOfThePolicy() {
        Retire r = runtime(ClosePolicies.keepAlive()).retireForced(served(false, false), 3);

        assertThat(r.closer()).isEqualTo(Closer.CLIENT_FIRST);
        assertThat(r.reason()).isEqualTo(RetireReason.APPLICATION);
    }

    @Test
    void eofDelimitedResponseGetsAPromptServerFin() {
        Retire r = runtime(ClosePolicy.builder(Preset.KEEP_ALIVE).build()).retireForced(served(true, false), 3);

        assertThat(r.closer()).isEqualTo(Closer.SERVER_FIRST);
        assertThat(r.mode()).isEqualTo(CloseMode.FIN);
    }

    @Test
    void unreadInputTurnsAServerFinIntoALingeringClose() {
        StandardClosePolicy serverFinKeepingConnections = ClosePolicy.builder(Preset.SERVER_FIN).unlimitedRequests().build();

        Retire r = runtime(serverFinKeepingConnections).retireForced(served(false, true), 3);

        assertThat(r.closer()).isEqualTo(Closer.SERVER_FIRST);
        assertThat(r.mode()).isEqualTo(CloseMode.LINGER);
        assertThat(r.lingerBytes()).isEqualTo(serverFinKeepingConnections.defaults().lingerBytes());
    }

    @Test
    void customPolicyThatKeepsEverythingGetsTheSafeLingeringClose() {
        ClosePolicy keepAll = (view, now) -> ClosePolicies.keepAlive().defaults().reuse();

        Retire r = runtime(keepAll).retireForced(served(false, false), 3);

        assertThat(r.closer()).isEqualTo(Closer.SERVER_FIRST);
        assertThat(r.mode()).isEqualTo(CloseMode.LINGER);
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(Preset.class)
    void idleConnectionsAreClosedServerFirst(Preset preset) {
        ConnectionRecord r = served(false, false);
        r.idle();

        Retire idle = runtime(ClosePolicies.of(preset)).retireIdle(r, Duration.ofHours(2).toNanos());

        assertThat(idle).isNotNull();
        assertThat(idle.closer()).isEqualTo(Closer.SERVER_FIRST);
        // Client-first settings end an idle connection with their fallback: an ack-checked RST.
        CloseMode expected = preset.settings().closer() == Closer.CLIENT_FIRST ? preset.settings().fallback() : preset.settings().mode();
        assertThat(idle.mode()).isEqualTo(expected);
    }

    @Test
    void customPolicyMayKeepAnIdleConnection() {
        Reuse keep = ClosePolicies.keepAlive().defaults().reuse();

        assertThat(runtime((view, now) -> keep).retireIdle(served(false, false), 5)).isNull();
    }

    @Test
    void onlyJettysUnconsumedContentFailureIsAbsorbed() {
        assertThat(ExchangeStream.onlyUnconsumed(new QuietException.RuntimeException(HttpStream.CONTENT_NOT_CONSUMED))).isTrue();
        assertThat(ExchangeStream.onlyUnconsumed(HttpStream.CONTENT_NOT_CONSUMED)).isTrue();
        Throwable combined = new QuietException.RuntimeException(HttpStream.CONTENT_NOT_CONSUMED);
        combined.addSuppressed(new IOException("write failed"));
        assertThat(ExchangeStream.onlyUnconsumed(combined)).isFalse();
        assertThat(ExchangeStream.onlyUnconsumed(new IOException("reset"))).isFalse();
    }
}
