package org.closepolicy.examples;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * The kernel's TCP table ({@code /proc/net/tcp} and {@code tcp6}) as the CLI needs it: one snapshot
 * of every socket's ports and state. IPv4 peers of dual-stack sockets appear in {@code tcp6}, so
 * both files are read. Reading costs milliseconds (the kernel renders the text), so the CLI reads
 * it once per measurement, never per request.
 *
 * <p>Thread-safety: snapshots are immutable.
 */
final class ProcNetTcp {

    private static final Path[] FILES = {Path.of("/proc/net/tcp"), Path.of("/proc/net/tcp6")};

    /** TCP states with their kernel codes (include/net/tcp_states.h). */
    enum State {
        ESTABLISHED, SYN_SENT, SYN_RECV, FIN_WAIT1, FIN_WAIT2, TIME_WAIT, CLOSE, CLOSE_WAIT, LAST_ACK, LISTEN, CLOSING,
        NEW_SYN_RECV;

        static State ofCode(int code) {
            return code >= 1 && code <= values().length ? values()[code - 1] : CLOSE;
        }
    }

    /** One socket. */
    record Socket(int localPort, String remoteAddress, int remotePort, State state, boolean ipv6) {
    }

    private ProcNetTcp() {
    }

    /** Whether this system has the table (Linux). */
    static boolean supported() {
        return Files.isReadable(FILES[0]);
    }

    /** Reads both files; an absent file contributes nothing. */
    static Snapshot read() {
        List<Socket> all = new ArrayList<>();
        boolean any = false;
        for (int f = 0; f < FILES.length; f++) {
            if (!Files.isReadable(FILES[f])) {
                continue;
            }
            any = true;
            try (BufferedReader r = Files.newBufferedReader(FILES[f], StandardCharsets.US_ASCII)) {
                r.readLine();
                String line;
                while ((line = r.readLine()) != null) {
                    Socket s = parse(line, f == 1);
                    if (s != null) {
                        all.add(s);
                    }
                }
            } catch (IOException e) {
                // A table that vanishes mid-read (a container without /proc/net) reads as what we got.
            }
        }
        return new Snapshot(any, Collections.unmodifiableList(all));
    }

    /** Parses one row: {@code sl local_address rem_address st ...} with hex {@code ADDR:PORT}. */
    static Socket parse(String line, boolean ipv6) {
        int i = skipSpaces(line, 0);
        i = skipToken(line, i); // sl
        i = skipSpaces(line, i);
        int localEnd = skipToken(line, i);
        int lp = portOf(line, i, localEnd);
        i = skipSpaces(line, localEnd);
        int remoteEnd = skipToken(line, i);
        int rp = portOf(line, i, remoteEnd);
        int remoteStart = i;
        i = skipSpaces(line, remoteEnd);
        int stEnd = skipToken(line, i);
        if (lp < 0 || rp < 0 || stEnd - i != 2) {
            return null;
        }
        int st = Integer.parseInt(line, i, stEnd, 16);
        int colon = line.lastIndexOf(':', remoteEnd - 1);
        return new Socket(lp, line.substring(remoteStart, colon), rp, State.ofCode(st), ipv6);
    }

    private static int portOf(String line, int from, int to) {
        int colon = line.lastIndexOf(':', to - 1);
        if (colon < from || to - colon - 1 != 4) {
            return -1;
        }
        return Integer.parseInt(line, colon + 1, to, 16);
    }

    private static int skipSpaces(String s, int i) {
        while (i < s.length() && s.charAt(i) == ' ') {
            i++;
        }
        return i;
    }

    private static int skipToken(String s, int i) {
        while (i < s.length() && s.charAt(i) != ' ') {
            i++;
        }
        return i;
    }

    /** One reading of the table. */
    static final class Snapshot {
        private final boolean supported;
        private final List<Socket> sockets;

        Snapshot(boolean supported, List<Socket> sockets) {
            this.supported = supported;
            this.sockets = sockets;
        }

        boolean supported() {
            return supported;
        }

        List<Socket> sockets() {
            return sockets;
        }

        /** TIME_WAIT held by the server of {@code port} (local port = port). */
        long serverTimeWait(int port) {
            return sockets.stream().filter(s -> s.state == State.TIME_WAIT && s.localPort == port).count();
        }

        /** TIME_WAIT held by clients of {@code port} on this host (remote port = port). */
        long clientTimeWait(int port) {
            return sockets.stream().filter(s -> s.state == State.TIME_WAIT && s.remotePort == port).count();
        }

        /** Sockets of {@code port} (either side) still in a state other than LISTEN and TIME_WAIT. */
        long unsettled(int port) {
            return sockets.stream()
                    .filter(s -> s.localPort == port || s.remotePort == port)
                    .filter(s -> s.state != State.TIME_WAIT && s.state != State.LISTEN && s.state != State.CLOSE)
                    .count();
        }

        Map<State, Long> stateCounts() {
            Map<State, Long> m = new EnumMap<>(State.class);
            for (Socket s : sockets) {
                m.merge(s.state, 1L, Long::sum);
            }
            return m;
        }
    }
}
