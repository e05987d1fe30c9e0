package org.closepolicy.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ResponseHeadersTest {

    @Test
    void looksUpNamesInAnyCaseAndTokensInLists() {
        ResponseHeaders h = ResponseHeaders.of(List.of(Map.entry("Content-Length", "12"),
                Map.entry("Connection", "keep-alive, Upgrade"), Map.entry("set-cookie", "a=1"),
                Map.entry("Set-Cookie", "b=2")));

        assertThat(h.first("content-length")).contains("12");
        assertThat(h.first("X-Missing")).isEmpty();
        assertThat(h.all("SET-COOKIE")).containsExactly("a=1", "b=2");
        assertThat(h.contains("CONNECTION")).isTrue();
        assertThat(h.hasToken("connection", "upgrade")).isTrue();
        assertThat(h.hasToken("connection", "close")).isFalse();
        assertThat(h.size()).isEqualTo(4);
        assertThat(h.asList().get(0).getKey()).isEqualTo("Content-Length");
        assertThat(ResponseHeaders.empty().size()).isZero();
    }
}
