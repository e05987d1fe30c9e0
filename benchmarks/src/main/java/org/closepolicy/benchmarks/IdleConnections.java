package org.closepolicy.benchmarks;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.LockSupport;

/**
 * Holds {@code sockets} idle established loopback sockets ({@code sockets / 2} connected pairs) so that the kernel's
 * TCP table has that many more rows (linger 0: they leave no TIME_WAIT when the process ends), prints {@code ready <sockets>} and waits until killed. One process can hold
 * only as many sockets as its open-file limit allows; start several for more.
 * <pre>
 * java -cp benchmarks/target/benchmarks.jar org.closepolicy.benchmarks.IdleConnections 16000
 * </pre>
 *
 * <p>Thread-safety: a program with one thread.
 */
public final class IdleConnections {

    private IdleConnections() {
    }

    public static void main(String[] args) throws IOException {
        int sockets = Integer.parseInt(args[0]);
        int pairs = sockets / 2;
        List<SocketChannel> held = new ArrayList<>(pairs * 2);
        InetAddress lo = InetAddress.getByName("127.0.0.1");
        try (ServerSocketChannel server = ServerSocketChannel.open()) {
            server.bind(new InetSocketAddress(lo, 0), 4096);
            InetSocketAddress to = (InetSocketAddress) server.getLocalAddress();
            for (int i = 0; i < pairs; i++) {
                held.add(SocketChannel.open(to));
                held.add(server.accept());
            }
            for (SocketChannel c : held) {
                // On exit the kernel resets them: no TIME_WAIT rows left behind to skew the next measurement.
                c.setOption(StandardSocketOptions.SO_LINGER, 0);
            }
        }
        System.out.println("ready " + held.size());
        System.out.flush();
        while (true) {
            LockSupport.park(); // held until the process is killed
        }
    }
}
