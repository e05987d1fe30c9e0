package org.closepolicy.benchmarks;

import java.util.concurrent.TimeUnit;
import org.closepolicy.ClosePolicy;
import org.closepolicy.StandardClosePolicy;
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
 * Reading and writing spec text: done once per configuration load, not per connection, so this
 * only has to stay in the microseconds.
 *
 * <p>Thread-safety: JMH state, one per thread.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class SpecParseBenchmark {

    @Param({"preset", "tuned", "three-rules"})
    public String spec;

    private String text;
    private StandardClosePolicy built;

    @Setup
    public void setUp() {
        switch (spec) {
            case "preset":
                text = "safe-reset";
                break;
            case "tuned":
                text = "client-first, close.client-wait=2s, close.mode=rst, close.ack-wait=1s, reuse.max-requests=1000, "
                        + "reuse.idle-timeout=75s, reuse.max-age=1h, reuse.jitter=10%";
                break;
            case "three-rules":
                text = DecideBenchmark.RULES;
                break;
            default:
                throw new IllegalArgumentException(spec);
        }
        built = ClosePolicy.parse(text);
    }

    @Benchmark
    public StandardClosePolicy parse() {
        return ClosePolicy.parse(text);
    }

    @Benchmark
    public String toSpec() {
        return built.toSpec();
    }
}
