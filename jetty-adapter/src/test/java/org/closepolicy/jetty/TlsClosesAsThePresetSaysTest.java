package org.closepolicy.jetty;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.InputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.locks.LockSupport;
import javax.net.ssl.SSLSocket;
import org.closepolicy.CloseEvent;
import org.closepolicy.CloseMode;
import org.closepolicy.ClosePolicies;
import org.closepolicy.FallbackReason;
import org.closepolicy.Preset;
import org.closepolicy.Protocol;
import org.closepolicy.WhoClosed;
import org.closepolicy.testkit.DeterministicBytes;
import org.closepolicy.testkit.HttpResult;
import org.closepolicy.testkit.LoadResult;
import org.closepolicy.testkit.LoadRunner;
import org.closepolicy.testkit.RawHttpClient;
import org.closepolicy.testkit.ResponseHeaders;
import org.closepolicy.testkit.Sha256;
import org.closepolicy.testkit.TimeWaitCounter;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * HTTPS through Jetty's {@code SslConnectionFactory}: every mode still works below TLS. One-request
 * connections from a curl-like TLS client (it reads the response, sends {@code close_notify}, closes)
 * and from the JDK {@code HttpClient}; TIME_WAIT counted from the kernel, bodies checked by SHA-256.
 */
class TlsClosesAsThePresetSaysTest {

    static final int N = 200;

    @BeforeAll
    static void kernelTableReadable() {
        assumeTrue(TimeWaitCounter.supported(), "the kernel's TCP table cannot be read here");
    }

    static TestServer tlsServer(Preset preset) throws Exception {
        SelfSignedTls tls = SelfSignedTls.get();
        return TestServer.start(ClosePolicies.of(preset), ExampleHandlers.routes(), b -> b.tls(tls.server()));
    }

    static RawHttpClient.Builder curl(TestServer server) throws Exception {
        return RawHttpClient.builder(server.address()).tls(SelfSignedTls.get().client().getSocketFactory());
    }

    static LoadResult load(TestServer server) throws Exception {
        LoadResult r = LoadRunner.builder(curl(server).path("/weather").build()).requests(N).concurrency(8)
                .deadline(Duration.ofSeconds(60)).expectSha256(Sha256.hex(ExampleHandlers.WEATHER)).build().run();
        await().atMost(Duration.ofSeconds(20)).until(() -> server.stats().closed() == N);
        return r;
    }

    @Test
    void serverFinSendsCloseNotifyThenFinAndKeepsTheTimeWait() throws Exception {
        try (TestServer server = tlsServer(Preset.SERVER_FIN)) {
            TimeWaitCounter.Since timeWait = TimeWaitCounter.since(server.port()); // before the first connection
            LoadResult r = load(server);
            TimeWaitCounter.Counts tw = timeWait.count();

            assertThat(r.errors()).as(r.toString()).isZero();
            assertThat(server.stats().whoClosed(WhoClosed.LOCAL_FIN)).isEqualTo(N);
            // As in cleartext the server holds a good share of the TIME_WAIT. Fewer connections leave one
            // at all: a client that closes with the server's close_notify unread makes its kernel send an RST.
            assertThat(tw.serverSide()).as(tw.toString()).isGreaterThanOrEqualTo(N / 10);
        }
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(value = Preset.class, names = {"CLIENT_FIRST", "SAFE_RESET"})
    void clientFirstPresetsWaitForTheClientsCloseAndLeaveTheServerNoTimeWait(Preset preset) throws Exception {
        try (TestServer server = tlsServer(preset)) {
            TimeWaitCounter.Since timeWait = TimeWaitCounter.since(server.port()); // before the first connection
            LoadResult r = load(server);
            TimeWaitCounter.Counts tw = timeWait.count();

            assertThat(r.errors()).as(r.toString()).isZero();
            assertThat(r.resets()).isZero();
            assertThat(server.events()).allSatisfy(e -> {
                assertThat(e.whoClosed()).as(e.toString()).isEqualTo(WhoClosed.REMOTE_FIN);
                assertThat(e.protocol()).isEqualTo(Protocol.HTTP1);
            });
            assertThat(tw.serverSide()).as(tw.toString()).isLessThanOrEqualTo(N / 100);
            if (preset == Preset.SAFE_RESET) {
                // The RST in reply to the client's close takes its FIN_WAIT2 socket to CLOSED too. It needs the
                // kernel's word that every byte is acknowledged: where the client's kernel has already reset the
                // connection (the JDK client closes with the server's close_notify unread), the socket is gone
                // from the table, nothing is proven, and the close is a FIN that nothing receives.
                assertThat(server.events()).allSatisfy(e -> {
                    if (e.usedMode() != CloseMode.RST) {
                        assertThat(e.usedMode()).as(e.toString()).isEqualTo(CloseMode.FIN);
                        assertThat(e.fallbackReason()).as(e.toString()).isEqualTo(FallbackReason.ACK_CHECK_UNSUPPORTED);
                    }
                });
                assertThat(server.events()).as("the RST in reply").anyMatch(e -> e.usedMode() == CloseMode.RST);
                // Jetty closes the socket itself right after the client's close_notify, with its own answer to it
                // possibly in flight: the proof taken as the client's bytes arrived still makes that close an RST.
                assertThat(tw.clientSide()).as(tw.toString()).isLessThanOrEqualTo(N / 100);
            }
            // Client-first leaves the TIME_WAIT to the client, or to nobody when the client closes with the
            // server's close_notify still unread (its kernel then resets): how many depends on timing.
            assertThat(tw.clientSide()).as(tw.toString()).isLessThanOrEqualTo(N);
        }
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(value = Preset.class, names = {"CLIENT_FIRST", "SAFE_RESET"})
    void jdkHttpClientClosesFirst(Preset preset) throws Exception {
        int n = 100;
        // What is claimed is who closes, not how fast: on a busy machine the JDK client's one selector thread
        // can take longer than the preset's 2 s to close 100 TLS connections, so it gets a longer wait.
        var policy = org.closepolicy.ClosePolicy.builder(preset).clientWait(Duration.ofSeconds(15)).build();
        try (TestServer server = TestServer.start(policy, ExampleHandlers.routes(), b -> b.tls(SelfSignedTls.get().server()))) {
            TimeWaitCounter.Since timeWait = TimeWaitCounter.since(server.port()); // before the first connection
            HttpClient client = HttpClient.newBuilder().sslContext(SelfSignedTls.get().client()).version(HttpClient.Version.HTTP_1_1)
                    .connectTimeout(Duration.ofSeconds(20)).build();
            URI uri = URI.create("https://127.0.0.1:" + server.port() + "/weather");
            List<CompletableFuture<HttpResponse<byte[]>>> all = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                all.add(client.sendAsync(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(20)).build(),
                        HttpResponse.BodyHandlers.ofByteArray()));
            }
            for (CompletableFuture<HttpResponse<byte[]>> f : all) {
                HttpResponse<byte[]> res = f.get();
                assertThat(res.statusCode()).isEqualTo(200);
                assertThat(Sha256.hex(res.body())).isEqualTo(Sha256.hex(ExampleHandlers.WEATHER));
            }
            await().atMost(Duration.ofSeconds(30)).until(() -> server.stats().closed() == n);
            TimeWaitCounter.Counts tw = timeWait.count();

            // HttpClient closes as soon as it has the response, leaving the server's close_notify unread:
            // its kernel then resets instead of sending a FIN. Either way the client ended the connection.
            assertThat(server.events()).allSatisfy(e -> assertThat(e.whoClosed()).as(e.toString())
                    .isIn(WhoClosed.REMOTE_FIN, WhoClosed.REMOTE_RST));
            assertThat(tw.serverSide()).as(tw.toString()).isLessThanOrEqualTo(n / 100);
        }
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(value = Preset.class, names = {"CLIENT_FIRST", "SAFE_RESET"})
    void slowTlsReaderGetsTheWholeBody(Preset preset) throws Exception {
        long size = 1_000_000;
        try (TestServer server = tlsServer(preset)) {
            HttpResult r = curl(server).path("/bytes?n=" + size).receiveBufferSize(16 * 1024).readChunk(8 * 1024)
                    .readDelay(Duration.ofMillis(1)).soTimeout(Duration.ofSeconds(10)).deadline(Duration.ofSeconds(30)).build().send();

            assertThat(r.complete()).as(r.toString()).isTrue();
            assertThat(r.bodyLength()).isEqualTo(size);
            assertThat(r.bodySha256()).isEqualTo(DeterministicBytes.sha256Hex(size));
            await().atMost(Duration.ofSeconds(10)).until(() -> server.events().size() == 1);
            assertThat(server.events().get(0).whoClosed()).isEqualTo(WhoClosed.REMOTE_FIN);
        }
    }

    @Test
    void theFallbackRstWaitsUntilTheTlsRecordsAreAcknowledged() throws Exception {
        // A slow client that never closes: the client wait runs out while TLS records of a 1 MB body are
        // still queued in the kernel. The RST must wait until tx_queue (TLS bytes included) is empty.
        long size = 1_000_000;
        SelfSignedTls tls = SelfSignedTls.get();
        var policy = org.closepolicy.ClosePolicy.builder(Preset.SAFE_RESET).clientWait(Duration.ofMillis(100))
                .ackWait(Duration.ofSeconds(20)).build();
        try (TestServer server = TestServer.start(policy, ExampleHandlers.routes(), b -> b.tls(tls.server()));
             Socket tcp = new Socket()) {
            tcp.setReceiveBufferSize(16 * 1024);
            tcp.connect(server.address(), 5_000);
            tcp.setSoTimeout(10_000);
            SSLSocket ssl = (SSLSocket) tls.client().getSocketFactory().createSocket(tcp, "127.0.0.1", server.port(), true);
            ssl.getOutputStream().write(("GET /bytes?n=" + size + " HTTP/1.1\r\nHost: localhost\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
            ssl.getOutputStream().flush();
            InputStream in = ssl.getInputStream();
            String head = ResponseHeaders.readHead(in);
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            byte[] buf = new byte[8 * 1024];
            long got = 0;
            while (got < size) {
                int n = in.read(buf, 0, (int) Math.min(buf.length, size - got));
                if (n < 0) {
                    break;
                }
                sha.update(buf, 0, n);
                got += n;
                LockSupport.parkNanos(1_000_000); // a slow reader
            }

            assertThat(head).startsWith("HTTP/1.1 200").contains("Content-Length: " + size);
            assertThat(got).isEqualTo(size);
            assertThat(HexFormat.of().formatHex(sha.digest())).isEqualTo(DeterministicBytes.sha256Hex(size));
            // The socket stays open: the server's fallback, not the client, ends the connection.
            await().atMost(Duration.ofSeconds(25)).until(() -> server.events().size() == 1);
            CloseEvent e = server.events().get(0);
            assertThat(e.fallbackReason()).as(e.toString()).isEqualTo(FallbackReason.CLIENT_WAIT_EXPIRED);
            assertThat(e.usedMode()).as(e.toString()).isEqualTo(CloseMode.RST);
            assertThat(e.closeDuration()).as(e.toString()).isGreaterThanOrEqualTo(Duration.ofMillis(100));
        }
    }
}
