package org.closepolicy.spi;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import org.closepolicy.ClosePolicies;
import org.closepolicy.ClosePolicy;
import org.closepolicy.HttpVersion;
import org.closepolicy.Load;
import org.closepolicy.Protocol;
import org.closepolicy.Reuse;
import org.closepolicy.support.TestView;
import org.junit.jupiter.api.Test;

/** The record adapters keep per connection is the view policies decide on. */
class ConnectionRecordTest {

    private static InetSocketAddress mapped(String v4) throws Exception {
        byte[] m = new byte[16];
        m[10] = (byte) 0xFF;
        m[11] = (byte) 0xFF;
        System.arraycopy(InetAddress.getByName(v4).getAddress(), 0, m, 12, 4);
        return new InetSocketAddress(Inet6Address.getByAddress(null, m, -1), 1);
    }

    @Test
    void countsExchangesAndBytesAndTracksActivity() {
        LoadMonitor load = new LoadMonitor(() -> 42);
        ConnectionRecord r = new ConnectionRecord(Protocol.HTTP1, TestView.address("192.0.2.10", 1), TestView.address("192.0.2.1", 80), 100, load);
        assertThat(r.openedAtNanos()).isEqualTo(100);
        assertThat(r.lastActivityNanos()).isEqualTo(100);
        assertThat(r.httpVersion()).isEqualTo(HttpVersion.NONE);

        r.onRequest(HttpVersion.HTTP_1_0, true, 200);
        r.addBytesIn(300, 210);
        r.addBytesOut(1_900, 220);
        r.onResponse(true, true, 230);

        assertThat(r.httpVersion()).isEqualTo(HttpVersion.HTTP_1_0);
        assertThat(r.clientRequestedClose()).isTrue();
        assertThat(r.eofDelimited()).isTrue();
        assertThat(r.unreadInput()).isTrue();
        assertThat(r.requestsServed()).isEqualTo(1);
        assertThat(r.bytesIn()).isEqualTo(300);
        assertThat(r.bytesOut()).isEqualTo(1_900);
        assertThat(r.lastActivityNanos()).isEqualTo(230);
        assertThat(r.load().serverTimeWait()).isEqualTo(42);

        r.idle();
        assertThat(r.eofDelimited()).isFalse();
        assertThat(r.unreadInput()).isFalse();
        r.touch(500);
        assertThat(r.lastActivityNanos()).isEqualTo(500);
        assertThat(r.toString()).contains("requests=1");
    }

    @Test
    void idsAreUniqueAndLoadDefaultsToNone() {
        ConnectionRecord a = new ConnectionRecord(Protocol.TCP, null, null, 0, null);
        ConnectionRecord b = new ConnectionRecord(Protocol.TCP, null, null, 0, null);
        assertThat(a.id()).isNotEqualTo(b.id());
        assertThat(a.load()).isSameAs(Load.NONE);
    }

    @Test
    void theRemoteIpv4IsComputedOnceAndCoversMappedPeers() throws Exception {
        assertThat(new ConnectionRecord(Protocol.HTTP1, TestView.address("10.1.2.3", 1), null, 0, null).remoteIpv4())
                .isEqualTo(0x0A010203L);
        assertThat(new ConnectionRecord(Protocol.HTTP1, TestView.address("255.255.255.255", 1), null, 0, null).remoteIpv4())
                .isEqualTo(0xFFFF_FFFFL);
        assertThat(new ConnectionRecord(Protocol.HTTP1, mapped("10.1.2.3"), null, 0, null).remoteIpv4()).isEqualTo(0x0A010203L);
        assertThat(new ConnectionRecord(Protocol.HTTP1, TestView.address("fd00::1", 1), null, 0, null).remoteIpv4()).isEqualTo(-1);
        assertThat(new ConnectionRecord(Protocol.TCP, null, null, 0, null).remoteIpv4()).isEqualTo(-1);
        assertThat(new ConnectionRecord(Protocol.TCP, InetSocketAddress.createUnresolved("10.0.0.1", 1), null, 0, null).remoteIpv4())
                .isEqualTo(-1);
        // The default of the interface agrees with the cached value.
        assertThat(TestView.http11().remote(mapped("192.0.2.9")).remoteIpv4()).isEqualTo(0xC0000209L);
    }

    @Test
    void rulesMatchARecordLikeAnyOtherView() throws Exception {
        ClosePolicy p = ClosePolicy.parse("server-fin, rule.lan.when.cidr=10.0.0.0/8|fd00::/8, rule.lan.preset=keep-alive");
        for (InetSocketAddress remote : new InetSocketAddress[] {TestView.address("10.9.9.9", 1), mapped("10.9.9.9"),
                TestView.address("fd00::9", 1)}) {
            ConnectionRecord r = new ConnectionRecord(Protocol.HTTP1, remote, null, 0, null);
            r.onResponse(false, false, 0);
            assertThat(p.decide(r, 0)).as("%s", remote).isInstanceOf(Reuse.class);
        }
        ConnectionRecord outside = new ConnectionRecord(Protocol.HTTP1, TestView.address("192.0.2.1", 1), null, 0, null);
        outside.onResponse(false, false, 0);
        assertThat(p.decide(outside, 0).retires()).isTrue();
        assertThat(ClosePolicies.serverFin().decide(outside, 0).retires()).isTrue();
    }

    @Test
    void aNegotiatedProtocolReplacesTheAcceptedOne() {
        ClosePolicy p = ClosePolicy.parse("keep-alive, rule.h2.when.protocol=http2, rule.h2.preset=server-fin");
        ConnectionRecord r = new ConnectionRecord(Protocol.HTTP1, TestView.address("192.0.2.10", 1), null, 0, null);
        r.onResponse(false, false, 0);
        assertThat(p.decide(r, 0).retires()).isFalse();

        r.protocol(Protocol.HTTP2);

        assertThat(r.protocol()).isEqualTo(Protocol.HTTP2);
        assertThat(p.decide(r, 0).retires()).isTrue();
    }

    @Test
    void theLoadMonitorCountsOpenConnections() {
        LoadMonitor load = new LoadMonitor();
        load.opened();
        load.opened();
        load.closed();
        assertThat(load.openConnections()).isEqualTo(1);
        assertThat(load.serverTimeWait()).isZero();
    }
}
