package org.closepolicy.netty;

import java.util.stream.Stream;
import org.closepolicy.Preset;
import org.junit.jupiter.params.provider.Arguments;

/** The cases of the client-wait tests: each transport with the two presets that wait for the client's FIN. */
final class ClientWaitCases {

    private ClientWaitCases() {
    }

    /** ({@link TestServer.Kind}, {@link Preset}) for every kind with client-first and with safe-reset. */
    static Stream<Arguments> everyKindWithAClientWait() {
        Stream.Builder<Arguments> b = Stream.builder();
        for (TestServer.Kind kind : TestServer.Kind.values()) {
            b.add(Arguments.of(kind, Preset.CLIENT_FIRST));
            b.add(Arguments.of(kind, Preset.SAFE_RESET));
        }
        return b.build();
    }
}
