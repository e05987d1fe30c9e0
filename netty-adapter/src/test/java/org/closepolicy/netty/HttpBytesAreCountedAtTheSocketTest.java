package org.closepolicy.netty;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import io.netty.channel.Channel;
import io.netty.channel.DefaultMessageSizeEstimator;
import io.netty.channel.FixedRecvByteBufAllocator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.logging.LoggingHandler;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.closepolicy.CloseEvent;
import org.closepolicy.ClosePolicies;
import org.closepolicy.WhoClosed;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * When the {@code HttpServerCodec} is the pipeline's first handler, a connection's bytes are counted where the
 * socket reads and writes them, with no handler in the pipeline for it: the counts are still exactly the bytes the
 * client sent and received, and the byte counter joins the pipeline only when input arrives after retirement (and
 * drops it there, uncounted). With a handler in front of the codec, the counter before the codec counts as before.
 */
class HttpBytesAreCountedAtTheSocketTest {

    private static final byte[] BODY = "hello, socket".getBytes(StandardCharsets.US_ASCII);
    private static final String REQUEST = "GET /x HTTP/1.1\r\nHost: localhost\r\n\r\n";

    /** Whether the latest connection of {@code app} has the byte counter in its pipeline (asked on its event loop). */
    private static boolean hasByteCounter(Apps.AtLastContent app) throws Exception {
        Channel ch = app.channel;
        return ch.eventLoop().submit(() -> ch.pipeline().get(ProtocolBytesCounter.NAME) != null).get(5, TimeUnit.SECONDS);
    }

    @ParameterizedTest
    @EnumSource(TestServer.Kind.class)
    void keptExchangesAreCountedWithoutAHandlerAndExactly(TestServer.Kind kind) throws Exception {
        assumeThat(kind.available()).as("transport available").isTrue();
        Apps.AtLastContent app = new Apps.AtLastContent(BODY);
        try (TestServer server = TestServer.http(kind, ClosePolicies.keepAlive(), p -> p.addLast(app));
             Socket s = new Socket("127.0.0.1", server.port())) {
            s.setSoTimeout(10_000);
            long sent = 0;
            long received = 0;
            for (int i = 0; i < 3; i++) {
                sent += send(s, i < 2 ? REQUEST : REQUEST.replace("\r\n\r\n", "\r\nConnection: close\r\n\r\n"));
                received += readResponse(s.getInputStream());
                if (i == 0) {
                    assertThat(hasByteCounter(app)).as("a kept connection counted at the socket").isFalse();
                }
            }
            s.close(); // the client closes first, as client-first asks
            CloseEvent e = server.events.awaitAtLeast(1, Duration.ofSeconds(10)).get(0);
            assertThat(e.requestsServed()).isEqualTo(3);
            assertThat(e.bytesIn()).as("request bytes, heads included").isEqualTo(sent);
            assertThat(e.bytesOut()).as("response bytes, heads included").isEqualTo(received);
            assertThat(e.whoClosed()).isEqualTo(WhoClosed.REMOTE_FIN);
        }
    }

    @ParameterizedTest
    @EnumSource(TestServer.Kind.class)
    void inputAfterRetirementBringsTheCounterThatDropsItUncounted(TestServer.Kind kind) throws Exception {
        assumeThat(kind.available()).as("transport available").isTrue();
        Apps.AtLastContent app = new Apps.AtLastContent(BODY);
        try (TestServer server = TestServer.http(kind, ClosePolicies.clientFirst(), p -> p.addLast(app));
             Socket s = new Socket("127.0.0.1", server.port())) {
            s.setSoTimeout(10_000);
            long sent = send(s, REQUEST.replace("\r\n\r\n", "\r\nConnection: close\r\n\r\n"));
            long received = readResponse(s.getInputStream());
            assertThat(hasByteCounter(app)).as("retired, no input since").isFalse();
            send(s, "GET /ignored HTTP/1.1\r\nHost: localhost\r\n\r\n"); // after the last response: discarded
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> hasByteCounter(app));
            s.close();
            CloseEvent e = server.events.awaitAtLeast(1, Duration.ofSeconds(10)).get(0);
            assertThat(e.requestsServed()).isEqualTo(1);
            assertThat(e.bytesIn()).as("the discarded request is not counted").isEqualTo(sent);
            assertThat(e.bytesOut()).isEqualTo(received);
        }
    }

    @ParameterizedTest
    @EnumSource(TestServer.Kind.class)
    void aHandlerInFrontOfTheCodecLeavesTheCountingToTheCounter(TestServer.Kind kind) throws Exception {
        assumeThat(kind.available()).as("transport available").isTrue();
        Apps.AtLastContent app = new Apps.AtLastContent(BODY);
        try (TestServer server = TestServer.custom(kind, ClosePolicies.clientFirst(), (cp, p) -> {
            p.addLast(new LoggingHandler()); // could change the bytes: the socket's are not the codec's
            p.addLast(new HttpServerCodec());
            cp.installHttp(p);
            p.addLast(app);
        }); Socket s = new Socket("127.0.0.1", server.port())) {
            s.setSoTimeout(10_000);
            long sent = send(s, REQUEST);
            long received = readResponse(s.getInputStream());
            assertThat(hasByteCounter(app)).isTrue();
            s.close();
            CloseEvent e = server.events.awaitAtLeast(1, Duration.ofSeconds(10)).get(0);
            assertThat(e.bytesIn()).isEqualTo(sent);
            assertThat(e.bytesOut()).isEqualTo(received);
        }
    }

    @ParameterizedTest
    @EnumSource(TestServer.Kind.class)
    void theChannelsOwnAllocatorAndEstimatorKeepWorking(TestServer.Kind kind) throws Exception {
        assumeThat(kind.available()).as("transport available").isTrue();
        Apps.AtLastContent app = new Apps.AtLastContent(BODY);
        try (TestServer server = TestServer.custom(kind, ClosePolicies.keepAlive(), (cp, p) -> {
            p.channel().config().setRecvByteBufAllocator(new FixedRecvByteBufAllocator(3_000));
            p.channel().config().setMessageSizeEstimator(new DefaultMessageSizeEstimator(7));
            p.addLast(new HttpServerCodec());
            cp.installHttp(p);
            p.addLast(app);
        }); Socket s = new Socket("127.0.0.1", server.port())) {
            s.setSoTimeout(10_000);
            long sent = send(s, REQUEST);
            long received = readResponse(s.getInputStream());
            Channel ch = app.channel;
            int[] seen = ch.eventLoop().submit(() -> new int[] {
                    ch.unsafe().recvBufAllocHandle().guess(),
                    ch.config().getMessageSizeEstimator().newHandle().size(new Object()),
                    ch.config().getMaxMessagesPerRead()}).get(5, TimeUnit.SECONDS);
            assertThat(seen[0]).as("the fixed receive buffer size").isEqualTo(3_000);
            assertThat(seen[1]).as("the estimator's size of an unknown message").isEqualTo(7);
            assertThat(seen[2]).as("max messages per read, as the allocator has it").isEqualTo(1);
            assertThat(hasByteCounter(app)).isFalse();
            s.close();
            CloseEvent e = server.events.awaitAtLeast(1, Duration.ofSeconds(10)).get(0);
            assertThat(e.bytesIn()).isEqualTo(sent);
            assertThat(e.bytesOut()).isEqualTo(received);
        }
    }

    private static long send(Socket s, String request) throws Exception {
        byte[] b = request.getBytes(StandardCharsets.US_ASCII);
        OutputStream out = s.getOutputStream();
        out.write(b);
        out.flush();
        return b.length;
    }

    /** Reads one response with a Content-Length; returns its size on the wire. */
    private static long readResponse(InputStream in) throws Exception {
        StringBuilder head = new StringBuilder();
        while (!head.toString().endsWith("\r\n\r\n")) {
            int c = in.read();
            assertThat(c).as("the response head, so far: %s", head).isNotNegative();
            head.append((char) c);
        }
        int length = -1;
        for (String line : head.toString().split("\r\n")) {
            if (line.toLowerCase(java.util.Locale.ROOT).startsWith("content-length:")) {
                length = Integer.parseInt(line.substring(15).trim());
            }
        }
        assertThat(length).as("%s", head).isEqualTo(BODY.length);
        byte[] body = in.readNBytes(length);
        assertThat(body).isEqualTo(BODY);
        return head.length() + length;
    }
}
