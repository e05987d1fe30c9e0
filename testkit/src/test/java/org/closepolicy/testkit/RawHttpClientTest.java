package org.closepolicy.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.closepolicy.testkit.HttpResult.Framing;
import org.closepolicy.testkit.RawHttpClient.CloseStyle;
import org.closepolicy.testkit.RawHttpClient.Version;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class RawHttpClientTest {

    private static final Duration DEADLINE = Duration.ofSeconds(10);

    private TinyHttpServer server;

    @BeforeEach
    void start() throws IOException {
        server = new TinyHttpServer();
    }

    @AfterEach
    void stop() throws IOException {
        server.close();
    }

    private RawHttpClient.Builder client(String path) {
        return RawHttpClient.builder(server.address()).path(path).deadline(DEADLINE);
    }

    @Test
    void aTlsClientFailsOnACleartextServer() {
        RawHttpClient.Builder tls = client("/len/10").tls((javax.net.ssl.SSLSocketFactory) javax.net.ssl.SSLSocketFactory.getDefault());
        HttpResult r = tls.closeStyle(CloseStyle.CURL_LIKE).soTimeout(Duration.ofSeconds(2)).deadline(Duration.ofSeconds(5)).build().send();

        // The handshake meets a cleartext HTTP server: an error, never a response.
        assertThat(r.status()).isEqualTo(-1);
        assertThat(r.error()).isNotNull();
    }

    @Test
    void readsAContentLengthResponseAndClosesFirst() {
        HttpResult r = client("/len/1900").build().send();

        assertThat(r.status()).isEqualTo(200);
        assertThat(r.reason()).isEqualTo("OK");
        assertThat(r.version()).isEqualTo("HTTP/1.1");
        assertThat(r.framing()).isEqualTo(Framing.CONTENT_LENGTH);
        assertThat(r.headers().first("content-type")).contains("text/xml");
        assertThat(r.headers().first("CONTENT-LENGTH")).contains("1900");
        assertThat(r.bodyLength()).isEqualTo(1900);
        assertThat(r.bodySha256()).isEqualTo(DeterministicBytes.sha256Hex(1900));
        assertThat(r.complete()).isTrue();
        assertThat(r.ok()).isTrue();
        assertThat(r.serverClosed()).isFalse();
        assertThat(r.resetSeen()).isFalse();
        assertThat(r.error()).isNull();
        assertThat(r.errorAtNanos()).isEqualTo(-1);
        assertThat(r.body()).isNull();
        assertThat(r.localAddress().getPort()).isPositive();
        assertThat(r.elapsedNanos()).isPositive();
        // The client, not the server, ended the connection.
        await().atMost(DEADLINE).until(() -> server.clientClosedFirst.get() == 1);
        TinyHttpServer.Request req = server.requests.get(0);
        assertThat(req.method()).isEqualTo("GET");
        assertThat(req.version()).isEqualTo("HTTP/1.1");
        assertThat(req.header("Host", "127.0.0.1:" + server.port())).isTrue();
        assertThat(req.header("Connection", "close")).isFalse();
    }

    @Test
    void readsAChunkedResponseWithExtensionsAndTrailers() {
        HttpResult r = client("/chunked/5500").keepBody(true).build().send();

        assertThat(r.framing()).isEqualTo(Framing.CHUNKED);
        assertThat(r.complete()).isTrue();
        assertThat(r.bodyLength()).isEqualTo(5500);
        assertThat(r.body()).isEqualTo(DeterministicBytes.generate(5500));
        assertThat(r.bodySha256()).isEqualTo(DeterministicBytes.sha256Hex(5500));
    }

    @Test
    void readsAnEofDelimitedResponseUntilTheServerCloses() {
        HttpResult r = client("/eof/3000").build().send();

        assertThat(r.framing()).isEqualTo(Framing.EOF);
        assertThat(r.complete()).isTrue();
        assertThat(r.serverClosed()).isTrue();
        assertThat(r.bodyLength()).isEqualTo(3000);
        assertThat(r.bodySha256()).isEqualTo(DeterministicBytes.sha256Hex(3000));
        assertThat(server.clientClosedFirst.get()).isZero();
    }

    @Test
    void eofWaitingHttp10ClientWaitsForTheServersFin() {
        HttpResult r = client("/len/1000").version(Version.HTTP_1_0).closeStyle(CloseStyle.EOF_WAITING).build().send();

        assertThat(r.ok()).isTrue();
        assertThat(r.bodySha256()).isEqualTo(DeterministicBytes.sha256Hex(1000));
        assertThat(r.serverClosed()).isTrue();
        assertThat(r.trailingBytes()).isZero();
        assertThat(r.error()).isNull();
        assertThat(server.requests.get(0).version()).isEqualTo("HTTP/1.0");
        assertThat(server.requests.get(0).header("Connection", "keep-alive")).isFalse();
        assertThat(server.clientClosedFirst.get()).isZero();
    }

    @Test
    void eofWaitingClientReportsAServerThatNeverCloses() {
        HttpResult r = client("/len/10").keepAlive(true).version(Version.HTTP_1_0).closeStyle(CloseStyle.EOF_WAITING)
                .soTimeout(Duration.ofMillis(300)).build().send();

        assertThat(r.ok()).isTrue(); // the response itself arrived
        assertThat(r.serverClosed()).isFalse();
        assertThat(r.error()).contains("timed out");
        assertThat(server.requests.get(0).header("Connection", "keep-alive")).isTrue();
    }

    @Test
    void sendsConnectionCloseAndHeadersOnRequest() {
        HttpResult r = client("/len/5").connectionClose(true).header("X-Test", "yes").build().send();

        assertThat(r.ok()).isTrue();
        assertThat(r.headers().hasToken("connection", "CLOSE")).isTrue();
        TinyHttpServer.Request req = server.requests.get(0);
        assertThat(req.header("Connection", "close")).isTrue();
        assertThat(req.header("X-Test", "yes")).isTrue();
    }

    @Test
    void pipelinesRequestsOnOneConnection() {
        List<HttpResult> rs = client("/len/100").connectionClose(true).build()
                .pipeline(List.of("/len/100", "/chunked/2500", "/len/7", "/continue/3", "/len/0"));

        assertThat(rs).hasSize(5);
        assertThat(rs).allSatisfy(r -> assertThat(r.ok()).isTrue());
        assertThat(rs).extracting(HttpResult::bodyLength).containsExactly(100L, 2500L, 7L, 3L, 0L);
        assertThat(rs).extracting(HttpResult::bodySha256).containsExactly(DeterministicBytes.sha256Hex(100),
                DeterministicBytes.sha256Hex(2500), DeterministicBytes.sha256Hex(7), DeterministicBytes.sha256Hex(3),
                DeterministicBytes.sha256Hex(0));
        assertThat(server.connections.get()).isEqualTo(1);
        assertThat(server.requests).extracting(TinyHttpServer.Request::connection).containsOnly(1);
        // Only the last request asked to close; the server then closed.
        assertThat(server.requests).extracting(q -> q.header("Connection", "close"))
                .containsExactly(false, false, false, false, true);
        assertThat(rs.get(4).headers().hasToken("Connection", "close")).isTrue();
    }

    @Test
    void sequenceSendsEachRequestAfterTheResponseBeforeIt() {
        List<HttpResult> rs = client("/len/100").build().sequence(List.of("/len/100", "/chunked/2500", "/len/7"));

        assertThat(rs).extracting(HttpResult::ok).containsExactly(true, true, true);
        assertThat(rs).extracting(HttpResult::bodySha256).containsExactly(DeterministicBytes.sha256Hex(100),
                DeterministicBytes.sha256Hex(2500), DeterministicBytes.sha256Hex(7));
        assertThat(server.connections.get()).isEqualTo(1);
        assertThat(server.requests).extracting(TinyHttpServer.Request::connection).containsOnly(1);
        // Nothing was sent ahead: each request arrived alone, and none asked to close.
        assertThat(server.requests).extracting(TinyHttpServer.Request::followedEarly).containsExactly(false, false, false);
        assertThat(server.requests).extracting(q -> q.header("Connection", "close")).containsOnly(false);
        // Kept alive by the server, closed by the client after the last response.
        await().atMost(DEADLINE).until(() -> server.clientClosedFirst.get() == 1);
        assertThat(rs.get(2).serverClosed()).isFalse();
        assertThatThrownBy(() -> client("/").build().sequence(List.of())).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void pipelineOfIdenticalRequests() {
        List<HttpResult> rs = client("/len/64").build().pipeline(3);

        assertThat(rs).extracting(HttpResult::ok).containsExactly(true, true, true);
        assertThat(server.requests).hasSize(3);
    }

    @Test
    void interimContinueResponseIsSkipped() {
        HttpResult r = client("/continue/10").build().send();

        assertThat(r.status()).isEqualTo(200);
        assertThat(r.bodySha256()).isEqualTo(DeterministicBytes.sha256Hex(10));
    }

    @Test
    void headResponseHasNoBody() {
        HttpResult r = client("/len/500").method("HEAD").build().send();

        assertThat(r.framing()).isEqualTo(Framing.NONE);
        assertThat(r.complete()).isTrue();
        assertThat(r.bodyLength()).isZero();
        assertThat(r.headers().first("Content-Length")).contains("500");
    }

    @Test
    void slowReaderWithSmallReceiveBufferGetsEveryByte() {
        HttpResult r = client("/len/262144").receiveBufferSize(8192).readChunk(4096)
                .readDelay(Duration.ofMillis(1)).build().send();

        assertThat(r.ok()).isTrue();
        assertThat(r.bodyLength()).isEqualTo(262144);
        assertThat(r.bodySha256()).isEqualTo(DeterministicBytes.sha256Hex(262144));
    }

    @Test
    void sendsRequestBodies() {
        HttpResult r = client("/echo").method("POST").deterministicBody(300_000).keepBody(true).build().send();
        HttpResult fromArray = client("/echo").method("PUT").body("hello".getBytes()).keepBody(true).build().send();

        assertThat(r.bodySha256()).isEqualTo(DeterministicBytes.sha256Hex(300_000));
        assertThat(r.requestBytesSent()).isGreaterThan(300_000);
        assertThat(r.requestError()).isNull();
        assertThat(fromArray.bodyText()).isEqualTo("hello");
    }

    @Test
    void readsAnEarlyResponseWhileTheBodyIsStillBeingSent() {
        long bodySize = 16L * 1024 * 1024;
        HttpResult r = client("/early").method("POST").deterministicBody(bodySize).bodyFromSeparateThread(true)
                .keepBody(true).build().send();

        assertThat(r.status()).isEqualTo(413);
        assertThat(r.complete()).isTrue();
        assertThat(r.bodyText()).isEqualTo("too big!");
        assertThat(r.requestBytesSent()).isLessThan(bodySize);
        assertThat(r.requestError()).isNotNull();
        server.releaseEarly.countDown();
        await().atMost(DEADLINE).until(() -> server.earlyBodyBytesDrained.get() >= 0);
    }

    @Test
    void neverCloseHoldsUntilReleased() throws Exception {
        RawHttpClient.Exchange x = client("/len/50").closeStyle(CloseStyle.NEVER_CLOSE)
                .holdTimeout(Duration.ofSeconds(30)).build().start();

        HttpResult response = x.response().get(10, TimeUnit.SECONDS);
        assertThat(response.ok()).isTrue();
        assertThat(x.result()).isNotDone();
        assertThat(server.clientClosedFirst.get()).isZero();

        x.release();
        HttpResult end = x.await(DEADLINE);
        assertThat(end.ok()).isTrue();
        assertThat(end.serverClosed()).isFalse();
        assertThat(end.error()).isNull();
        await().atMost(DEADLINE).until(() -> server.clientClosedFirst.get() == 1);
    }

    @Test
    void neverCloseEndsWhenTheServerCloses() throws Exception {
        RawHttpClient.Exchange x = client("/len/50").connectionClose(true).closeStyle(CloseStyle.NEVER_CLOSE)
                .holdTimeout(Duration.ofSeconds(60)).deadline(Duration.ofSeconds(60)).build().start();

        HttpResult end = x.await(DEADLINE);

        assertThat(end.ok()).isTrue();
        assertThat(end.serverClosed()).isTrue();
        assertThat(end.error()).isNull();
    }

    @Test
    void neverCloseEndsAtTheHoldTimeout() throws Exception {
        HttpResult end = client("/len/50").closeStyle(CloseStyle.NEVER_CLOSE).holdTimeout(Duration.ofMillis(200))
                .build().start().await(DEADLINE);

        assertThat(end.ok()).isTrue();
        assertThat(end.serverClosed()).isFalse();
        assertThat(end.error()).isNull();
    }

    @Test
    void halfCloseAfterRequestStillGetsTheResponse() {
        HttpResult r = client("/len/2048").closeStyle(CloseStyle.HALF_CLOSE_AFTER_REQUEST).build().send();

        assertThat(r.ok()).isTrue();
        assertThat(r.bodySha256()).isEqualTo(DeterministicBytes.sha256Hex(2048));
        // The server read the client's FIN (sent right after the request) while waiting for the next request.
        await().atMost(DEADLINE).until(() -> server.clientClosedFirst.get() == 1);
    }

    @Test
    void reportsAResetInTheMiddleOfTheBody() {
        HttpResult r = client("/rst").build().send();

        assertThat(r.status()).isEqualTo(200);
        assertThat(r.complete()).isFalse();
        assertThat(r.ok()).isFalse();
        assertThat(r.resetSeen()).isTrue();
        assertThat(r.error()).containsIgnoringCase("reset");
        assertThat(r.errorAtNanos()).isPositive();
        assertThat(r.bodyLength()).isLessThan(100_000);
    }

    @Test
    void deadlineBoundsAServerThatNeverAnswers() {
        HttpResult r = client("/stall").deadline(Duration.ofMillis(300)).build().send();

        assertThat(r.status()).isEqualTo(-1);
        assertThat(r.framing()).isEqualTo(Framing.UNKNOWN);
        assertThat(r.complete()).isFalse();
        assertThat(r.error()).contains("deadline");
    }

    @Test
    void readTimeoutBoundsAServerThatNeverAnswers() {
        HttpResult r = client("/stall").soTimeout(Duration.ofMillis(200)).build().send();

        assertThat(r.status()).isEqualTo(-1);
        assertThat(r.error()).contains("timed out");
        assertThat(r.resetSeen()).isFalse();
    }

    @Test
    void connectionRefusedIsAnErrorNotAnException() throws IOException {
        java.net.InetSocketAddress gone;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.1"))) {
            gone = (java.net.InetSocketAddress) s.getLocalSocketAddress();
        }
        HttpResult r = RawHttpClient.builder(gone).build().send();

        assertThat(r.status()).isEqualTo(-1);
        assertThat(r.error()).containsIgnoringCase("refused");
        assertThat(r.localAddress()).isNull();
    }

    @Test
    void rejectsBadSettings() {
        RawHttpClient.Builder b = client("/");
        assertThatThrownBy(() -> b.path("/a b")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> b.header("X", "a\r\nb")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> b.readChunk(0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> b.deadline(Duration.ZERO)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> b.build().pipeline(0)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void toBuilderKeepsSettings() {
        RawHttpClient base = client("/len/3").version(Version.HTTP_1_0).keepAlive(true).build();
        HttpResult r = base.toBuilder().closeStyle(CloseStyle.CURL_LIKE).build().send();

        assertThat(r.ok()).isTrue();
        assertThat(server.requests.get(0).version()).isEqualTo("HTTP/1.0");
        assertThat(server.requests.get(0).header("Connection", "keep-alive")).isTrue();
    }
}
