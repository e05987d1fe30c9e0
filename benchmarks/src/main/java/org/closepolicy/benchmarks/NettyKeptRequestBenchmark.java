package org.closepolicy.benchmarks;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.DefaultChannelId;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpServerKeepAliveHandler;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.stream.ChunkedWriteHandler;
import io.netty.util.ReferenceCountUtil;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.closepolicy.CloseListener;
import org.closepolicy.ClosePolicy;
import org.closepolicy.netty.NettyClosePolicy;
import org.closepolicy.testkit.DeterministicBytes;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The cost of one request on a kept HTTP/1.1 connection, without sockets: the pipeline of {@code closepolicy serve}
 * ({@code HttpServerCodec}, then {@code installHttp} or Netty's {@code HttpServerKeepAliveHandler}, a
 * {@code ChunkedWriteHandler} and an application that answers 1,928 bytes at the request's head) on one
 * {@link EmbeddedChannel}, one {@code GET} per operation. What remains between {@code policy=none} and a policy is
 * the adapter's work per kept request. A policy that retires the connection (the {@code keep-alive} preset after
 * ~1,000 requests) gets the client's FIN and a new channel within the operation that retired it, so its reconnects
 * count in the average as they do under {@code wrk}. Run with {@code -prof gc} for the bytes allocated per request:
 * <pre>
 * java -jar benchmarks/target/benchmarks.jar NettyKeptRequestBenchmark -prof gc
 * </pre>
 *
 * <p>Thread-safety: JMH state, one per thread.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 4, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class NettyKeptRequestBenchmark {

    @Param({"none", "keep-alive", "keep-alive; reuse.max-requests=unlimited; reuse.max-age=none"})
    public String policy;

    private NettyClosePolicy closePolicy;
    private ByteBuf request;
    private EmbeddedChannel channel;
    private boolean retired;
    /** Connections opened during the trial (the first included). */
    private long connections;
    private long requests;

    @Setup(Level.Trial)
    public void setUp() {
        closePolicy = "none".equals(policy) ? null
                : NettyClosePolicy.builder(ClosePolicy.parse(policy)).listener(CloseListener.onRetire((v, r) -> retired = true)).build();
        String head = "GET /weather.xml HTTP/1.1\r\nHost: 127.0.0.1:8080\r\n\r\n"; // what wrk sends
        request = Unpooled.unreleasableBuffer(Unpooled.copiedBuffer(head, StandardCharsets.US_ASCII));
        channel = open();
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        channel.finishAndReleaseAll();
        System.out.printf("%n%d requests on %d connections%n", requests, connections);
    }

    private EmbeddedChannel open() {
        EmbeddedChannel ch = new EmbeddedChannel(DefaultChannelId.newInstance(), false, false);
        ch.pipeline().addLast("http", new HttpServerCodec());
        if (closePolicy == null) {
            ch.pipeline().addLast("keepAlive", new HttpServerKeepAliveHandler());
        } else {
            closePolicy.installHttp(ch.pipeline());
        }
        ch.pipeline().addLast("chunked", new ChunkedWriteHandler());
        ch.pipeline().addLast("app", AnswerAtHead.INSTANCE);
        try {
            ch.register();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        connections++;
        return ch;
    }

    /** One request and its response on the kept connection (and a reconnect when the response retired it). */
    @Benchmark
    public boolean request() {
        EmbeddedChannel ch = channel;
        ch.writeInbound(request.duplicate());
        for (Object o = ch.readOutbound(); o != null; o = ch.readOutbound()) {
            ReferenceCountUtil.release(o);
        }
        requests++;
        if (retired) {
            // The client reads the Connection: close response and closes first; then it connects again.
            retired = false;
            ch.pipeline().fireUserEventTriggered(ChannelInputShutdownEvent.INSTANCE);
            ch.runPendingTasks();
            ch.finishAndReleaseAll();
            channel = open();
        }
        return ch.isOpen();
    }

    /** The application of {@code serve} for {@code GET /weather.xml}: answers at the request's head. */
    @ChannelHandler.Sharable
    static final class AnswerAtHead extends ChannelInboundHandlerAdapter {
        static final AnswerAtHead INSTANCE = new AnswerAtHead();
        private static final byte[] BODY = DeterministicBytes.generate(1_928);

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            try {
                if (msg instanceof HttpRequest) {
                    FullHttpResponse res = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK,
                            Unpooled.wrappedBuffer(BODY));
                    res.headers().set(HttpHeaderNames.CONTENT_TYPE, "application/xml").set(HttpHeaderNames.CONTENT_LENGTH, BODY.length);
                    ctx.writeAndFlush(res);
                }
            } finally {
                ReferenceCountUtil.release(msg);
            }
        }
    }
}
