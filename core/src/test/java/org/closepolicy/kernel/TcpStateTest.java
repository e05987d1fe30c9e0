package org.closepolicy.kernel;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class TcpStateTest {

    @Test
    void carriesTheLinuxCodes() {
        assertThat(TcpState.ESTABLISHED.code()).isEqualTo(0x01);
        assertThat(TcpState.TIME_WAIT.code()).isEqualTo(0x06);
        assertThat(TcpState.CLOSE_WAIT.code()).isEqualTo(0x08);
        assertThat(TcpState.LISTEN.code()).isEqualTo(0x0A);
        assertThat(TcpState.NEW_SYN_RECV.code()).isEqualTo(0x0C);
        for (TcpState s : TcpState.values()) {
            assertThat(s.code()).isEqualTo(s.ordinal() + 1);
            assertThat(TcpState.fromCode(s.code())).isSameAs(s);
        }
    }

    @Test
    void unknownCodesGiveNull() {
        assertThat(TcpState.fromCode(0)).isNull();
        assertThat(TcpState.fromCode(0x0D)).isNull();
        assertThat(TcpState.fromCode(-1)).isNull();
        assertThat(TcpState.fromCode(1000)).isNull();
    }
}
