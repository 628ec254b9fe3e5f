package dev.arbiter.benchmarks.policy;

import dev.arbiter.appliance.policy.PolicyGroupStats;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.HdrHistogram.Recorder;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Recording one decision's latency into its policy group's stats, from two event loops at once
 * (the loop hand-off): each loop on its own lane ({@code lanes}) against the baseline twin, one
 * multi-writer HdrHistogram {@code Recorder} shared by both (what the group had before; it can
 * also livelock two writers that grow its packed storage at once, so its storage is grown here
 * before the threads start). Both should be 0 B/op.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
@Threads(2)
public class PolicyStatsBenchmark {

    /** Decision latencies of a loaded policy path, in nanoseconds: 40 us to 2 ms. */
    private static final long[] LATENCIES = new long[1024];

    static {
        java.util.SplittableRandom random = new java.util.SplittableRandom(7);
        for (int i = 0; i < LATENCIES.length; i++) {
            LATENCIES[i] = 40_000 + (long) (Math.pow(random.nextDouble(), 3) * 1_960_000);
        }
    }

    private PolicyGroupStats lanes;
    private Recorder shared;
    private final AtomicInteger writers = new AtomicInteger();

    @Setup(Level.Trial)
    public void setUp() {
        lanes = new PolicyGroupStats(2);
        shared = new Recorder(2, true);
        for (long v : LATENCIES) {
            shared.recordValue(Math.max(1, v / 1000));
            lanes.recordLatencyNanos(0, v);
            lanes.recordLatencyNanos(1, v);
        }
    }

    /** One event loop: its lane, and where it is in the latencies. */
    @State(Scope.Thread)
    public static class Loop {
        int writer;
        int next;

        @Setup(Level.Trial)
        public void setUp(PolicyStatsBenchmark b) {
            writer = b.writers.getAndIncrement() % 2;
            next = writer * 512;
        }

        long nextLatency() {
            next = (next + 1) & (LATENCIES.length - 1);
            return LATENCIES[next];
        }
    }

    @Benchmark
    public void lanes(Loop loop) {
        lanes.recordLatencyNanos(loop.writer, loop.nextLatency());
    }

    @Benchmark
    public void sharedRecorderBaseline(Loop loop) {
        shared.recordValue(Math.max(1, loop.nextLatency() / 1000));
    }
}
