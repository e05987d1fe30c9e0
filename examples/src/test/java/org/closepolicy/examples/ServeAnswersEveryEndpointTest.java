package org.closepolicy.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** {@code serve} started in this process on a free port, hit on every endpoint with the JDK's HTTP client. */
class ServeAnswersEveryEndpointTest {

    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10)).build();

    @ParameterizedTest(name = "{0} {1} {2}")
    @CsvSource({
        "netty, nio,   client-first",
        "netty, epoll, safe-reset",
        "jetty, nio,   keep-alive",
        "jetty, nio,   server-fin",
        "netty, nio,   none",
        "jetty, nio,   none",
    })
    @SuppressWarnings("unchecked")
    void everyEndpointAnswers(String server, String transport, String policy) throws Exception {
        CompletableFuture<ExampleServer> started = new CompletableFuture<>();
        CountDownLatch stop = new CountDownLatch(1);
        ServeCommand.Hooks hooks = new ServeCommand.Hooks() {
            @Override
            public void started(ExampleServer s) {
                started.complete(s);
            }

            @Override
            public CountDownLatch stop() {
                return stop;
            }
        };
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        FutureTask<Integer> serve = new FutureTask<>(() -> Main.commandLine(hooks, new PrintWriter(out, true), new PrintWriter(err, true))
                .execute("serve", "--server", server, "--transport", transport, "--port", "0", "--policy", policy, "--drain", "2s"));
        Thread t = new Thread(serve, "serve-under-test");
        t.setDaemon(true);
        t.start();
        ExampleServer s = awaitStart(started, serve, err);
        String base = "http://127.0.0.1:" + s.port();
        try {
            assertThat(out.toString()).contains("listening on " + base);

            HttpResponse<byte[]> weather = get(base + "/weather.xml");
            assertThat(weather.statusCode()).isEqualTo(200);
            assertThat(weather.headers().firstValue("content-type")).hasValueSatisfying(v -> assertThat(v).startsWith("application/xml"));
            assertThat(weather.body()).isEqualTo(WeatherXml.bytes());

            HttpResponse<byte[]> bytes = get(base + "/bytes?n=300000");
            assertThat(bytes.statusCode()).isEqualTo(200);
            assertThat(bytes.body()).hasSize(300_000);
            assertThat(bytes.headers().firstValue("x-sha256")).contains(Payloads.hex(Payloads.sha256().digest(bytes.body())));

            HttpResponse<byte[]> empty = get(base + "/bytes?n=0");
            assertThat(empty.statusCode()).isEqualTo(200);
            assertThat(empty.body()).isEmpty();

            for (String bad : new String[] {"/bytes", "/bytes?n=-1", "/bytes?n=abc", "/bytes?n=1073741825"}) {
                HttpResponse<byte[]> r = get(base + bad);
                assertThat(r.statusCode()).as(bad).isEqualTo(400);
                assertThat(new String(r.body(), StandardCharsets.UTF_8)).as(bad).contains("N <= 1073741824");
            }

            byte[] upload = new byte[700_000];
            new Random(42).nextBytes(upload);
            HttpResponse<byte[]> posted = post(base + "/upload", upload);
            assertThat(posted.statusCode()).isEqualTo(200);
            @SuppressWarnings("unchecked")
            Map<String, Object> reply = (Map<String, Object>) Json.parse(new String(posted.body(), StandardCharsets.UTF_8));
            assertThat(reply).containsEntry("bytes", 700_000L).containsEntry("sha256", Payloads.hex(Payloads.sha256().digest(upload)));

            HttpResponse<byte[]> early = post(base + "/upload?early=413", new byte[512]);
            assertThat(early.statusCode()).isEqualTo(413);
            assertThat(new String(early.body(), StandardCharsets.UTF_8)).contains("before reading");

            HttpResponse<byte[]> stats = get(base + "/stats");
            assertThat(stats.statusCode()).isEqualTo(200);
            @SuppressWarnings("unchecked")
            Map<String, Object> json = (Map<String, Object>) Json.parse(new String(stats.body(), StandardCharsets.UTF_8));
            assertThat(json).containsEntry("server", server).containsEntry("port", (long) s.port()).containsEntry("policy", policy)
                    .containsKeys("spec", "closeStats", "kernel");
            if (policy.equals("none")) {
                assertThat(json).containsEntry("spec", "none");
            }
            assertThat(((Map<String, Object>) json.get("closeStats")).keySet()).contains("opened", "closed", "whoClosed");
            assertThat(((Map<String, Object>) json.get("kernel")).keySet()).contains("supported");

            assertThat(get(base + "/nothing-here").statusCode()).isEqualTo(404);
            assertThat(post(base + "/weather.xml", new byte[0]).statusCode()).isEqualTo(405);
        } finally {
            stop.countDown();
        }
        assertThat(serve.get(30, TimeUnit.SECONDS)).as(err.toString()).isZero();
        assertThat(out.toString()).contains("stopped.");
    }

    private static ExampleServer awaitStart(CompletableFuture<ExampleServer> started, Future<Integer> serve, StringWriter err)
            throws InterruptedException, ExecutionException, TimeoutException {
        CompletableFuture.anyOf(started, CompletableFuture.runAsync(() -> {
            try {
                serve.get();
            } catch (InterruptedException | ExecutionException e) {
                Thread.currentThread().interrupt();
            }
        })).get(30, TimeUnit.SECONDS);
        assertThat(started).as("serve ended before listening: %s", err).isDone();
        return started.get();
    }

    private HttpResponse<byte[]> get(String url) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30)).build(),
                HttpResponse.BodyHandlers.ofByteArray());
    }

    private HttpResponse<byte[]> post(String url, byte[] body) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30))
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofByteArray());
    }
}
