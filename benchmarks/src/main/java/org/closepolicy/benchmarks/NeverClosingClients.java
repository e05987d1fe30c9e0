package org.closepolicy.benchmarks;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;

/**
 * {@code clients} HTTP/1.1 clients that each send one request, read the whole response and never close: under
 * {@code safe-reset} the server waits {@code close.client-wait} for their FIN, then resets once its send queue is
 * acknowledged. Prints, per client and in summary, the time from sending the request to the end of the
 * connection and how it ended (RST or FIN).
 * <pre>
 * java -cp benchmarks/target/benchmarks.jar org.closepolicy.benchmarks.NeverClosingClients 127.0.0.1 8080 /xml?size=300000 20
 * </pre>
 *
 * <p>Thread-safety: a program; one thread per client.
 */
public final class NeverClosingClients {

    private NeverClosingClients() {
    }

    public static void main(String[] args) throws Exception {
        String host = args[0];
        int port = Integer.parseInt(args[1]);
        String target = args[2];
        int clients = Integer.parseInt(args[3]);
        CompletableFuture<?>[] runs = new CompletableFuture<?>[clients];
        long[] millis = new long[clients];
        String[] ends = new String[clients];
        long[] bodies = new long[clients];
        for (int i = 0; i < clients; i++) {
            int c = i;
            runs[i] = CompletableFuture.runAsync(() -> {
                try {
                    one(host, port, target, c, millis, ends, bodies);
                } catch (IOException e) {
                    ends[c] = "error " + e;
                }
            }, r -> new Thread(r, "client-" + c).start());
        }
        CompletableFuture.allOf(runs).join();
        for (int i = 0; i < clients; i++) {
            System.out.printf(Locale.ROOT, "client %2d: %s after %d ms, %d response bytes%n", i, ends[i], millis[i], bodies[i]);
        }
        long[] sorted = millis.clone();
        Arrays.sort(sorted);
        long rsts = Arrays.stream(ends).filter("RST"::equals).count();
        System.out.printf(Locale.ROOT, "summary: %d clients, %d RST, request-to-end min %d ms, median %d ms, max %d ms%n",
                clients, rsts, sorted[0], sorted[clients / 2], sorted[clients - 1]);
    }

    private static void one(String host, int port, String target, int c, long[] millis, String[] ends, long[] bodies)
            throws IOException {
        Socket s = new Socket(); // never closed by this client: the server must end it
        s.connect(new InetSocketAddress(host, port), 10_000);
        s.setSoTimeout(30_000);
        OutputStream out = s.getOutputStream();
        InputStream in = s.getInputStream();
        long start = System.nanoTime();
        out.write(("GET " + target + " HTTP/1.1\r\nHost: " + host + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        out.flush();
        byte[] buf = new byte[64 * 1024];
        long total = 0;
        String end;
        try {
            for (int n; (n = in.read(buf)) >= 0; ) {
                total += n;
            }
            end = "FIN";
        } catch (SocketException e) {
            end = e.getMessage() != null && e.getMessage().toLowerCase(Locale.ROOT).contains("reset") ? "RST" : "error " + e;
        }
        millis[c] = (System.nanoTime() - start) / 1_000_000;
        ends[c] = end;
        bodies[c] = total;
    }
}
