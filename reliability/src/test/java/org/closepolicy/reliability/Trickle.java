package org.closepolicy.reliability;

import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A slowloris-style sender: writes {@code chunk} bytes every {@code periodMillis} on a scheduler until a write fails
 * (the server closed or reset) or {@code maxBytes} have been sent.
 */
final class Trickle implements AutoCloseable {

    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "trickle");
        t.setDaemon(true);
        return t;
    });
    private final AtomicLong sent = new AtomicLong();
    private final CompletableFuture<String> stopped = new CompletableFuture<>();

    Trickle(Socket socket, int chunk, long periodMillis, long maxBytes) throws IOException {
        OutputStream out = socket.getOutputStream();
        byte[] data = new byte[chunk];
        java.util.Arrays.fill(data, (byte) 'x');
        timer.scheduleAtFixedRate(() -> {
            if (stopped.isDone()) {
                return;
            }
            if (sent.get() >= maxBytes) {
                stopped.complete("limit");
                return;
            }
            try {
                out.write(data);
                out.flush();
                sent.addAndGet(chunk);
            } catch (IOException e) {
                stopped.complete(e.toString());
            }
        }, 0, periodMillis, TimeUnit.MILLISECONDS);
    }

    long sent() {
        return sent.get();
    }

    /** Completes with why sending stopped. */
    CompletableFuture<String> stopped() {
        return stopped;
    }

    @Override
    public void close() {
        stopped.complete("closed");
        timer.shutdownNow();
    }
}
