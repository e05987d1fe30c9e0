package org.closepolicy.jetty;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import org.closepolicy.ClosePolicies;
import org.closepolicy.ClosePolicy;
import org.closepolicy.kernel.TcpState;
import org.closepolicy.kernel.TcpTable;
import org.junit.jupiter.api.Test;

class SmokeTest {

    static String curl(int port, String req, boolean readToEof) throws Exception {
        try (Socket s = new Socket("127.0.0.1", port)) {
            OutputStream out = s.getOutputStream();
            out.write(req.getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            InputStream in = s.getInputStream();
            ByteArrayOutputStream buf = new ByteArrayOutputStream();
            byte[] b = new byte[8192];
            int headerEnd = -1;
            long contentLength = -1;
            while (true) {
                int n = in.read(b);
                if (n < 0) {
                    break;
                }
                buf.write(b, 0, n);
                String text = buf.toString(StandardCharsets.ISO_8859_1);
                if (headerEnd < 0) {
                    headerEnd = text.indexOf("\r\n\r\n");
                    if (headerEnd >= 0) {
                        for (String line : text.substring(0, headerEnd).split("\r\n")) {
                            if (line.toLowerCase().startsWith("content-length:")) {
                                contentLength = Long.parseLong(line.substring(15).trim());
                            }
                        }
                    }
                }
                if (!readToEof && headerEnd >= 0 && contentLength >= 0 && buf.size() >= headerEnd + 4 + contentLength) {
                    break;
                }
            }
            return buf.toString(StandardCharsets.ISO_8859_1);
        }
    }

    void run(ClosePolicy policy, int n) throws Exception {
        try (TestServer server = TestServer.start(policy, ExampleHandlers.routes())) {
            long t0 = System.nanoTime();
            for (int i = 0; i < n; i++) {
                String r = curl(server.port(), "GET /weather HTTP/1.1\r\nHost: x\r\n\r\n", false);
                assertThat(r).startsWith("HTTP/1.1 200").contains("</weather>");
            }
            long t1 = System.nanoTime();
            Thread.sleep(300);
            int tw = TcpTable.system().snapshot().countLocalPort(TcpState.TIME_WAIT, server.port());
            int ctw = TcpTable.system().snapshot().countRemotePort(TcpState.TIME_WAIT, server.port());
            System.out.printf("%s: %d in %.1f ms server TW %d client TW %d stats %s%n", policy.toSpec().substring(0, 40), n,
                    (t1 - t0) / 1e6, tw, ctw, server.stats().toJson());
        }
    }

    @Test
    void early413() throws Exception {
        for (ClosePolicy p : new ClosePolicy[] {ClosePolicies.serverFin(), ClosePolicies.lingering(), ClosePolicies.clientFirst(),
                ClosePolicies.safeReset(), ClosePolicies.keepAlive()}) {
            try (TestServer server = TestServer.start(p, ExampleHandlers.routes())) {
                for (int i = 0; i < 5; i++) {
                    long t0 = System.nanoTime();
                    try (Socket s = new Socket("127.0.0.1", server.port())) {
                        OutputStream out = s.getOutputStream();
                        int len = 2 * 1024 * 1024;
                        out.write(("POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: " + len + "\r\n\r\n").getBytes());
                        String err = null;
                        try {
                            byte[] chunk = new byte[65536];
                            for (int w = 0; w < len; w += chunk.length) {
                                out.write(chunk);
                            }
                        } catch (Exception e) {
                            err = e.toString();
                        }
                        InputStream in = s.getInputStream();
                        ByteArrayOutputStream buf = new ByteArrayOutputStream();
                        try {
                            byte[] b = new byte[8192];
                            int n;
                            s.setSoTimeout(5000);
                            while ((n = in.read(b)) > 0) {
                                buf.write(b, 0, n);
                                if (buf.toString().contains("too large")) break;
                            }
                        } catch (Exception e) {
                            err = err + " / read " + e;
                        }
                        System.out.printf("%s 413: %.1f ms got=%s err=%s%n", p.toSpec().substring(0, 35), (System.nanoTime() - t0) / 1e6,
                                buf.toString().split("\r\n")[0], err);
                    }
                }
                Thread.sleep(500);
                System.out.println(server.events().get(0));
            }
        }
    }

    @Test
    void neverClose() throws Exception {
        try (TestServer server = TestServer.start(ClosePolicies.clientFirst(), ExampleHandlers.routes())) {
            Socket s = new Socket("127.0.0.1", server.port());
            s.getOutputStream().write("GET /weather HTTP/1.1\r\nHost: x\r\n\r\n".getBytes());
            long t0 = System.nanoTime();
            InputStream in = s.getInputStream();
            byte[] b = new byte[8192];
            int n;
            long total = 0;
            String err = null;
            try {
                while ((n = in.read(b)) > 0) {
                    total += n;
                }
            } catch (Exception e) {
                err = e.toString();
            }
            System.out.printf("never-close: eof after %.1f ms, %d bytes, err=%s%n", (System.nanoTime() - t0) / 1e6, total, err);
            Thread.sleep(200);
            System.out.println(server.events());
            s.close();
        }
    }

    @Test
    void smoke() throws Exception {
        run(ClosePolicies.serverFin(), 200);
        run(ClosePolicies.clientFirst(), 200);
        run(ClosePolicies.safeReset(), 200);
        run(ClosePolicies.lingering(), 200);
        run(ClosePolicies.keepAlive(), 200);
        try (TestServer server = TestServer.start(ClosePolicies.clientFirst(), ExampleHandlers.routes())) {
            long t0 = System.nanoTime();
            String r = curl(server.port(), "GET /weather HTTP/1.0\r\n\r\n", true);
            System.out.printf("http/1.0 %.1f ms %s%n", (System.nanoTime() - t0) / 1e6, r.substring(0, 120));
            Thread.sleep(200);
            System.out.println(server.events());
        }
    }
}
