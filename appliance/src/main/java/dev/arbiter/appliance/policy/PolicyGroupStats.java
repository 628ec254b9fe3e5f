package dev.arbiter.appliance.policy;

import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * Counters of one policy server group: calls, batch sizes, decision latency from publish to
 * answer, call failures. Shared by all instances of the group, so every writer is concurrent-safe.
 */
public final class PolicyGroupStats {

    public final LongAdder calls = new LongAdder();
    public final LongAdder summaries = new LongAdder();
    public final LongAdder[] callFailures = new LongAdder[FailureReason.values().length];
    private final Recorder batchSizes = new Recorder(2, true);
    private final Recorder latencyMicros = new Recorder(2, true);
    private final Histogram batchTotal = new Histogram(2);
    private final Histogram latencyTotal = new Histogram(2);
    private Histogram batchInterval;
    private Histogram latencyInterval;

    public PolicyGroupStats() {
        for (int i = 0; i < callFailures.length; i++) {
            callFailures[i] = new LongAdder();
        }
        batchTotal.setAutoResize(true);
        latencyTotal.setAutoResize(true);
    }

    /** Any thread that completes calls: the policy I/O thread, or each event loop with the loop hand-off. */
    void recordBatch(int size) {
        batchSizes.recordValue(size);
    }

    /** Any thread that completes calls: the policy I/O thread, or each event loop with the loop hand-off. */
    void recordLatencyNanos(long nanos) {
        latencyMicros.recordValue(Math.max(1, nanos / 1000));
    }

    /** Admin thread: batch sizes since start. */
    public synchronized Histogram batchSizes() {
        batchInterval = batchSizes.getIntervalHistogram(batchInterval);
        batchTotal.add(batchInterval);
        return batchTotal;
    }

    /** Admin thread: decision latency (microseconds) since start. */
    public synchronized Histogram latencyMicros() {
        latencyInterval = latencyMicros.getIntervalHistogram(latencyInterval);
        latencyTotal.add(latencyInterval);
        return latencyTotal;
    }
}
