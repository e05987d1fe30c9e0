package org.closepolicy.benchmarks;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.DefaultChannelId;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpServerKeepAliveHandler;
import io.netty.util.ReferenceCountUtil;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.closepolicy.ClosePolicy;
import org.closepolicy.netty.NettyClosePolicy;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The per-connection cost of the HTTP/1 handler without sockets: one {@link EmbeddedChannel} per operation with
 * the pipeline of {@code closepolicy serve} ({@code HttpServerCodec}, then {@code installHttp} or Netty's
 * {@code HttpServerKeepAliveHandler}, an aggregator and a handler answering 1,928 bytes), one request with
 * {@code Connection: close}, the response read, the client's FIN, the close. What remains between
 * {@code policy=none} and a preset is the adapter's own work per connection: handler and record set-up, timers,
 * pipeline changes, listener events. Run with {@code -prof gc} for the bytes allocated per connection:
 * <pre>
 * java -jar benchmarks/target/benchmarks.jar NettyConnectionBenchmark -prof gc
 * </pre>
 * A connection of {@code keepAlive} requests (the last with {@code Connection: close}) measures the per-request
 * path: {@code -p keepAlive=100}.
 *
 * <p>Thread-safety: JMH state, one per thread.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 4, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class NettyConnectionBenchmark {

    @Param({"none", "server-fin", "client-first", "safe-reset"})
    public String policy;

    /** Requests per connection; only the last one asks to close. */
    @Param({"1"})
    public int keepAlive;

    private NettyClosePolicy closePolicy;
    private NettyBenchServer.FixedBody app;
    private ByteBuf reuseRequest;
    private ByteBuf closeRequest;

    @Setup
    public void setUp() {
        closePolicy = "none".equals(policy) ? null : NettyClosePolicy.builder(ClosePolicy.parse(policy)).build();
        app = new NettyBenchServer.FixedBody(1_928);
        reuseRequest = request("");
        closeRequest = request("Connection: close\r\n");
    }

    private static ByteBuf request(String extra) {
        String head = "GET /weather.xml HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: bench\r\n" + extra + "\r\n";
        return Unpooled.unreleasableBuffer(Unpooled.copiedBuffer(head, StandardCharsets.US_ASCII));
    }

    /** One connection: accept, {@code keepAlive} requests, the client's FIN, the close. */
    @Benchmark
    public boolean connection() throws Exception {
        EmbeddedChannel ch = new EmbeddedChannel(DefaultChannelId.newInstance(), false, false);
        ch.pipeline().addLast(new HttpServerCodec());
        if (closePolicy == null) {
            ch.pipeline().addLast(new HttpServerKeepAliveHandler());
        } else {
            closePolicy.installHttp(ch.pipeline());
        }
        ch.pipeline().addLast(new HttpObjectAggregator(1 << 16), app);
        ch.register();
        for (int i = 1; i < keepAlive; i++) {
            ch.writeInbound(reuseRequest.duplicate());
            drain(ch);
        }
        ch.writeInbound(closeRequest.duplicate());
        drain(ch);
        if (ch.isOpen()) {
            ch.pipeline().fireUserEventTriggered(ChannelInputShutdownEvent.INSTANCE);
            ch.runPendingTasks();
            drain(ch);
        }
        boolean open = ch.isOpen();
        ch.finishAndReleaseAll();
        return open;
    }

    private static void drain(EmbeddedChannel ch) {
        for (Object o = ch.readOutbound(); o != null; o = ch.readOutbound()) {
            ReferenceCountUtil.release(o);
        }
    }
}
