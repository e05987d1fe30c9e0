package org.closepolicy.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.closepolicy.testkit.HttpResult;
import org.closepolicy.testkit.RawHttpClient;
import org.closepolicy.testkit.TimeWaitCounter;

/**
 * The client side of the namespace scenarios, run as its own JVM inside the namespace:
 * {@code NamespaceClient [--concurrent] HOST JOB...}, each job {@code PORT,STYLE,PATH,COUNT}. Styles:
 * {@code CURL_LIKE} and {@code NEVER_CLOSE} (held until the server ends the connection) fetch COUNT times, one
 * connection each, and print one {@code RESULT} line per response; {@code KEEP_ALIVE} (PATH one or more paths
 * joined by {@code |}) makes COUNT connections, and on each fetches every path in turn, each request after the
 * response before it, then closes first (curl-like, without {@code Connection: close}), with one {@code RESULT}
 * line per response, those of one connection together and in order; {@code STALL} reads 256 KB of the response with
 * a small receive buffer, prints {@code STALLED}, and then neither reads nor closes until its standard input ends;
 * {@code CONNECT} (PATH unused) opens and closes COUNT connections without a request and prints one
 * {@code CONNECT JOB MICROS} line per connection with the time its {@code connect()} took (one round trip: SYN to
 * SYN-ACK). Jobs run one after another, and so do the connections of a job, unless {@code --concurrent} is given:
 * then every connection of the fetching styles runs on its own thread, all at once (the others still run in turn).
 * At the end it prints {@code TW PORT N} (client-side TIME_WAIT toward each port, in this namespace, left out what
 * was there before its first connection) and
 * {@code DONE}.
 */
public final class NamespaceClient {

    /** The option that runs the connections of all fetching jobs at the same time. */
    static final String CONCURRENT = "--concurrent";

    private NamespaceClient() {
    }

    /** One job of the command line. */
    record Job(int port, String style, String path, int count) {
        static Job parse(String s) {
            String[] f = s.split(",");
            return new Job(Integer.parseInt(f[0]), f[1], f[2], Integer.parseInt(f[3]));
        }

        String arg() {
            return port + "," + style + "," + path + "," + count;
        }
    }

    /** A parsed {@code RESULT} line. */
    record Line(int job, int status, long length, String sha, boolean complete, boolean reset, String error, long millis) {
        static Line parse(String s) {
            String[] f = s.split(" ", 9);
            return new Line(Integer.parseInt(f[1]), Integer.parseInt(f[2]), Long.parseLong(f[3]), f[4],
                    Boolean.parseBoolean(f[5]), Boolean.parseBoolean(f[6]), f[8].equals("-") ? null : f[8],
                    Long.parseLong(f[7]));
        }

        /**
         * Asserts a whole {@code length}-byte body ({@link Payloads}) with its SHA-256 and no read error, so no RST
         * came before the last byte; a client that never closes ({@code heldUntilReset}) may have seen the RST that
         * ended its hold, after the whole body.
         */
        void assertIntact(long length, boolean heldUntilReset, Object what) {
            assertThat(status).as("status of %s: %s", what, this).isEqualTo(200);
            assertThat(complete).as("body complete for %s: %s", what, this).isTrue();
            assertThat(this.length).as("body length for %s", what).isEqualTo(length);
            assertThat(sha).as("body SHA-256 for %s", what).isEqualTo(Payloads.sha256(length));
            if (heldUntilReset) {
                assertThat(error == null || reset).as("client error for %s: %s", what, this).isTrue();
            } else {
                assertThat(error).as("client error for %s: %s", what, this).isNull();
            }
        }
    }

    /** What a client run printed: its {@code RESULT} lines, and its TIME_WAIT count per server port. */
    record Report(List<Line> lines, Map<Integer, Long> clientTimeWait) {
        /** The responses of job {@code job} (its index on the command line). */
        List<Line> ofJob(int job) {
            return lines.stream().filter(l -> l.job() == job).toList();
        }

        /** The client's TIME_WAIT toward {@code port}, -1 if not reported. */
        long timeWait(int port) {
            return clientTimeWait.getOrDefault(port, -1L);
        }
    }

    /**
     * Runs a client JVM in {@code ns} with {@code jobs} toward the namespace's host address (all connections at once
     * when {@code concurrent}), reads its output to the end and checks that it exits with 0 within {@code deadline};
     * at the deadline the client is ended (so the check fails instead of hanging).
     */
    static Report run(NetNamespace ns, boolean concurrent, List<Job> jobs, Duration deadline) throws IOException, InterruptedException {
        List<String> args = new ArrayList<>();
        if (concurrent) {
            args.add(CONCURRENT);
        }
        args.add(ns.hostAddress().getHostAddress());
        jobs.forEach(j -> args.add(j.arg()));
        Process client = ns.startJava(NamespaceClient.class, args);
        CompletableFuture<Void> watchdog = CompletableFuture.runAsync(client::destroyForcibly,
                CompletableFuture.delayedExecutor(deadline.toMillis(), TimeUnit.MILLISECONDS));
        List<Line> lines = new ArrayList<>();
        Map<Integer, Long> timeWait = new HashMap<>();
        try (BufferedReader out = new BufferedReader(new InputStreamReader(client.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line; (line = out.readLine()) != null; ) {
                if (line.startsWith("RESULT ")) {
                    lines.add(Line.parse(line));
                } else if (line.startsWith("TW ")) {
                    String[] f = line.split(" ");
                    timeWait.put(Integer.parseInt(f[1]), Long.parseLong(f[2]));
                }
            }
        } finally {
            watchdog.cancel(false);
        }
        assertThat(client.waitFor(10, TimeUnit.SECONDS)).as("client process ends").isTrue();
        assertThat(client.exitValue()).as("client process exit code (ended at the %s deadline if not 0)", deadline).isZero();
        return new Report(lines, timeWait);
    }

    public static void main(String[] args) throws Exception {
        PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        boolean concurrent = args[0].equals(CONCURRENT);
        int first = concurrent ? 1 : 0;
        String host = args[first];
        List<Job> jobs = new ArrayList<>();
        for (int i = first + 1; i < args.length; i++) {
            jobs.add(Job.parse(args[i]));
        }
        // Before the first connection: rows toward a port from an earlier run in this namespace are not this run's.
        Map<Integer, TimeWaitCounter.Since> timeWait = new HashMap<>();
        jobs.forEach(job -> timeWait.computeIfAbsent(job.port(), TimeWaitCounter::since));
        List<Socket> stalled = new ArrayList<>();
        List<Thread> running = new ArrayList<>();
        for (int j = 0; j < jobs.size(); j++) {
            Job job = jobs.get(j);
            InetSocketAddress target = new InetSocketAddress(host, job.port());
            if (job.style().equals("CONNECT")) {
                for (int i = 0; i < job.count(); i++) {
                    out.println("CONNECT " + j + " " + connectMicros(target));
                }
                continue;
            }
            if (job.style().equals("STALL")) {
                stalled.add(stall(target, job.path()));
                out.println("STALLED " + j);
                continue;
            }
            boolean keepAlive = job.style().equals("KEEP_ALIVE");
            RawHttpClient client = RawHttpClient.builder(target).path(job.path().split("\\|")[0])
                    .closeStyle(keepAlive ? RawHttpClient.CloseStyle.CURL_LIKE : RawHttpClient.CloseStyle.valueOf(job.style()))
                    .soTimeout(Duration.ofSeconds(30)).holdTimeout(Duration.ofSeconds(20)).deadline(Duration.ofSeconds(60))
                    .build();
            int jobIndex = j;
            Runnable connection = keepAlive
                    ? () -> {
                        List<HttpResult> rs = client.sequence(List.of(job.path().split("\\|")));
                        synchronized (out) { // one connection's lines together, in order
                            rs.forEach(r -> print(out, jobIndex, r));
                        }
                    }
                    : () -> print(out, jobIndex, client.send());
            for (int i = 0; i < job.count(); i++) {
                if (concurrent) {
                    Thread t = new Thread(connection, "connection-" + j + "-" + i);
                    t.start();
                    running.add(t);
                } else {
                    connection.run();
                }
            }
        }
        for (Thread t : running) {
            t.join(); // every exchange is bounded by its client's deadline
        }
        if (!stalled.isEmpty()) {
            InputStream in = System.in;
            while (in.read() >= 0) {
                // hold the stalled connections until the test is done with them
            }
            for (Socket s : stalled) {
                s.close();
            }
        }
        for (Job job : jobs) {
            out.println("TW " + job.port() + " " + timeWait.get(job.port()).count().clientSide());
        }
        out.println("DONE");
    }

    private static void print(PrintStream out, int job, HttpResult r) {
        out.println(String.format(Locale.ROOT, "RESULT %d %d %d %s %b %b %d %s", job, r.status(), r.bodyLength(),
                r.bodySha256(), r.complete(), r.resetSeen(), TimeUnit.NANOSECONDS.toMillis(r.elapsedNanos()),
                r.error() == null ? "-" : r.error().replace('\n', ' ')));
    }

    private static long connectMicros(InetSocketAddress target) throws IOException {
        try (Socket s = new Socket()) {
            long t0 = System.nanoTime();
            s.connect(target, 10_000);
            return TimeUnit.NANOSECONDS.toMicros(System.nanoTime() - t0);
        }
    }

    private static Socket stall(InetSocketAddress target, String path) throws IOException {
        Socket s = new Socket();
        s.setReceiveBufferSize(16 * 1024);
        s.connect(target, 5_000);
        s.setSoTimeout(30_000);
        OutputStream o = s.getOutputStream();
        o.write(("GET " + path + " HTTP/1.1\r\nHost: " + target.getHostString() + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        o.flush();
        InputStream in = s.getInputStream();
        byte[] buf = new byte[8192];
        long read = 0;
        while (read < 256 * 1024) {
            int n = in.read(buf);
            if (n < 0) {
                throw new IOException("server closed after " + read + " bytes");
            }
            read += n;
        }
        return s;
    }
}
