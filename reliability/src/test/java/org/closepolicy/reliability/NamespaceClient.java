package org.closepolicy.reliability;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.closepolicy.testkit.HttpResult;
import org.closepolicy.testkit.RawHttpClient;
import org.closepolicy.testkit.TimeWaitCounter;

/**
 * The client side of the namespace scenarios, run as its own JVM inside the namespace:
 * {@code NamespaceClient HOST JOB...}, each job {@code PORT,STYLE,PATH,COUNT}. Styles:
 * {@code CURL_LIKE} and {@code NEVER_CLOSE} (held until the server ends the connection) fetch COUNT times, one
 * connection each, and print one {@code RESULT} line per response; {@code STALL} reads 256 KB of the response
 * with a small receive buffer, prints {@code STALLED}, and then neither reads nor closes until its standard input
 * ends; {@code CONNECT} (PATH unused) opens and closes COUNT connections without a request and prints one
 * {@code CONNECT JOB MICROS} line per connection with the time its {@code connect()} took (one round trip: SYN to
 * SYN-ACK). At the end it prints {@code TW PORT N} (client-side TIME_WAIT toward each port, in this namespace) and
 * {@code DONE}.
 */
public final class NamespaceClient {

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
    }

    public static void main(String[] args) throws Exception {
        PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        String host = args[0];
        List<Job> jobs = new ArrayList<>();
        for (int i = 1; i < args.length; i++) {
            jobs.add(Job.parse(args[i]));
        }
        List<Socket> stalled = new ArrayList<>();
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
            RawHttpClient client = RawHttpClient.builder(target).path(job.path())
                    .closeStyle(RawHttpClient.CloseStyle.valueOf(job.style()))
                    .soTimeout(Duration.ofSeconds(30)).holdTimeout(Duration.ofSeconds(20)).deadline(Duration.ofSeconds(60))
                    .build();
            for (int i = 0; i < job.count(); i++) {
                HttpResult r = client.send();
                out.println(String.format(Locale.ROOT, "RESULT %d %d %d %s %b %b %d %s", j, r.status(), r.bodyLength(),
                        r.bodySha256(), r.complete(), r.resetSeen(), TimeUnit.NANOSECONDS.toMillis(r.elapsedNanos()),
                        r.error() == null ? "-" : r.error().replace('\n', ' ')));
            }
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
            out.println("TW " + job.port() + " " + TimeWaitCounter.count(job.port()).clientSide());
        }
        out.println("DONE");
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
