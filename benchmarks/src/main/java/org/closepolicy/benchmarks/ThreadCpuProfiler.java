package org.closepolicy.benchmarks;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.infra.IterationParams;
import org.openjdk.jmh.profile.InternalProfiler;
import org.openjdk.jmh.results.AggregationPolicy;
import org.openjdk.jmh.results.IterationResult;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.ScalarResult;

/**
 * Reports the CPU time the benchmark's worker threads spent per operation ({@code cpu.time.norm},
 * ns/op). Unlike the wall-clock score it leaves out the time a worker waits for a core, so it stays
 * meaningful on a shared machine whose other processes keep the cores busy. Use with
 * {@code -prof org.closepolicy.benchmarks.ThreadCpuProfiler}.
 *
 * <p>Thread-safety: JMH calls it from one thread per forked VM.
 */
public final class ThreadCpuProfiler implements InternalProfiler {

    private final ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    private final Map<Long, Long> startCpu = new HashMap<>();

    @Override
    public String getDescription() {
        return "CPU time of the JMH worker threads per operation";
    }

    @Override
    public void beforeIteration(BenchmarkParams benchmarkParams, IterationParams iterationParams) {
        startCpu.clear();
        for (ThreadInfo t : workers()) {
            startCpu.put(t.getThreadId(), threads.getThreadCpuTime(t.getThreadId()));
        }
    }

    @Override
    public Collection<? extends Result> afterIteration(BenchmarkParams benchmarkParams, IterationParams iterationParams,
            IterationResult result) {
        long cpu = 0;
        for (ThreadInfo t : workers()) {
            long now = threads.getThreadCpuTime(t.getThreadId());
            if (now >= 0) {
                cpu += now - startCpu.getOrDefault(t.getThreadId(), 0L);
            }
        }
        long ops = result.getMetadata().getAllOps();
        double perOp = ops == 0 ? Double.NaN : (double) cpu / ops;
        return List.of(new ScalarResult("cpu.time.norm", perOp, "ns/op", AggregationPolicy.AVG));
    }

    private ThreadInfo[] workers() {
        ThreadInfo[] all = threads.getThreadInfo(threads.getAllThreadIds());
        return java.util.Arrays.stream(all)
                .filter(t -> t != null && t.getThreadName().contains("jmh-worker"))
                .toArray(ThreadInfo[]::new);
    }
}
