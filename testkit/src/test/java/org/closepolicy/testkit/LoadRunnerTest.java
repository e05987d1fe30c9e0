package org.closepolicy.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.closepolicy.testkit.RawHttpClient.CloseStyle;
import org.closepolicy.testkit.RawHttpClient.Version;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class LoadRunnerTest {

    private static final int BODY = 1900;

    private HttpServer jdk;
    private ExecutorService jdkPool;
    private final AtomicInteger served = new AtomicInteger();

    @BeforeEach
    void start() throws IOException {
        jdk = HttpServer.create(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0), 100);
        byte[] body = DeterministicBytes.generate(BODY);
        jdk.createContext("/weather.xml", ex -> {
            served.incrementAndGet();
            ex.getRequestBody().readAllBytes();
            ex.getResponseHeaders().add("Content-Type", "text/xml");
            ex.sendResponseHeaders(200, body.length);
            try (OutputStream out = ex.getResponseBody()) {
                out.write(body);
            }
        });
        jdkPool = Executors.newFixedThreadPool(4);
        jdk.setExecutor(jdkPool);
        jdk.start();
    }

    @AfterEach
    void stop() {
        jdk.stop(0);
        jdkPool.shutdownNow();
    }

    private RawHttpClient.Builder client() {
        return RawHttpClient.builder(jdk.getAddress()).path("/weather.xml").deadline(Duration.ofSeconds(10));
    }

    @Test
    void curlLikeLoadAgainstTheJdkServerVerifiesEveryBody() {
        LoadResult r = LoadRunner.builder(client().connectionClose(true).build()).requests(200).concurrency(8)
                .expectSha256(DeterministicBytes.sha256Hex(BODY)).deadline(Duration.ofSeconds(30)).build().run();

        assertThat(r.errors()).as(r.toString()).isZero();
        assertThat(r.ok()).isEqualTo(200);
        assertThat(r.requested()).isEqualTo(200);
        assertThat(r.bytesVerified()).isEqualTo(200L * BODY);
        assertThat(r.resets()).isZero();
        assertThat(r.requestsPerSecond()).isPositive();
        assertThat(r.firstErrors()).isEmpty();
        assertThat(served).hasValue(200);
        System.out.println("curl-like against the JDK server: " + r);
    }

    @Test
    void abLikeLoadWaitsForTheServerToClose() {
        RawHttpClient ab = client().version(Version.HTTP_1_0).closeStyle(CloseStyle.EOF_WAITING).build();

        LoadResult r = LoadRunner.builder(ab).requests(50).concurrency(5)
                .expectSha256(DeterministicBytes.sha256Hex(BODY)).build().run();

        assertThat(r.errors()).as(r.toString()).isZero();
        assertThat(r.serverClosed()).isEqualTo(50);
    }

    @Test
    void verificationFailuresAreCountedWithMessages() {
        LoadResult r = LoadRunner.builder(client().build()).requests(12).concurrency(3)
                .expectSha256(DeterministicBytes.sha256Hex(BODY + 1)).maxErrorMessages(4).build().run();

        assertThat(r.ok()).isZero();
        assertThat(r.errors()).isEqualTo(12);
        assertThat(r.firstErrors()).hasSize(4).allSatisfy(m -> assertThat(m).contains("sha256 mismatch"));
        assertThat(r.bytesVerified()).isZero();
    }

    @Test
    void predicateAndStatusChecks() {
        LoadResult wrongStatus = LoadRunner.builder(client().path("/missing").build()).requests(5).concurrency(2)
                .build().run();
        LoadResult predicate = LoadRunner.builder(client().build()).requests(5).concurrency(2)
                .verify(res -> res.headers().first("Content-Type").orElse("").equals("text/xml")).build().run();
        LoadResult predicateFails = LoadRunner.builder(client().build()).requests(5).concurrency(2)
                .verify(res -> res.bodyLength() > BODY).build().run();

        assertThat(wrongStatus.errors()).isEqualTo(5);
        assertThat(wrongStatus.firstErrors().get(0)).contains("status 404");
        assertThat(predicate.ok()).isEqualTo(5);
        assertThat(predicateFails.errors()).isEqualTo(5);
    }

    @Test
    void runDeadlineBoundsAStalledServer() throws IOException {
        try (TinyHttpServer stalled = new TinyHttpServer()) {
            RawHttpClient c = RawHttpClient.builder(stalled.address()).path("/stall")
                    .deadline(Duration.ofMillis(300)).build();

            LoadResult r = LoadRunner.builder(c).requests(40).concurrency(2).deadline(Duration.ofSeconds(1)).build().run();

            assertThat(r.ok()).isZero();
            assertThat(r.errors()).isEqualTo(40);
            assertThat(r.firstErrors()).anySatisfy(m -> assertThat(m).contains("deadline"));
            assertThat(r.firstErrors()).anySatisfy(m -> assertThat(m).contains("not started"));
        }
    }

    @Test
    void rejectsClientsThatNeverClose() {
        RawHttpClient holder = client().closeStyle(CloseStyle.NEVER_CLOSE).build();

        assertThatThrownBy(() -> LoadRunner.builder(holder)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> LoadRunner.builder(client().build()).concurrency(0))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
