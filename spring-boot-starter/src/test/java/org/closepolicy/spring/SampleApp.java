package org.closepolicy.spring;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.closepolicy.testkit.DeterministicBytes;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/** The application under test: the same controller serves on Spring MVC and WebFlux. */
@SpringBootConfiguration
@EnableAutoConfiguration
public class SampleApp {

    static final int SMALL = 1_900;
    static final int BIG = 1_000_000;
    private static final byte[] SMALL_BODY = DeterministicBytes.generate(SMALL);
    private static final byte[] BIG_BODY = DeterministicBytes.generate(BIG);

    @RestController
    static class Bodies {
        @GetMapping("/small")
        byte[] small() {
            return SMALL_BODY;
        }

        @GetMapping("/big")
        byte[] big() {
            return BIG_BODY;
        }

        /** SMALL bytes 50 ms later, without holding a server thread: requests stay in flight for a while. */
        @GetMapping("/slow")
        CompletableFuture<byte[]> slow() {
            return CompletableFuture.supplyAsync(() -> SMALL_BODY, CompletableFuture.delayedExecutor(50, TimeUnit.MILLISECONDS));
        }
    }
}
