package dev.arbiter.appliance.policy;

import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.SingleWriterRecorder;

/**
 * Counters of one policy server group: calls, batch sizes, decision latency from publish to
 * answer, call failures, connections opened. Shared by all instances of the group. The counters
 * are adders; each thread that completes calls (the policy I/O thread, or each event loop with
 * the loop hand-off) records its histograms into its own lane, and the admin thread folds the
 * lanes when scraped.
 *
 * <p>One recorder per writer, not one shared: HdrHistogram's multi-writer {@code Recorder} over a
 * packed histogram can livelock two writers that grow its storage at once (seen with two event
 * loops: both spun at full CPU in the packed array's resize).
 */
public final class PolicyGroupStats {

    public final LongAdder calls = new LongAdder();
    /** Connections opened to the group's servers: the warm-up's, and each replacement. */
    public final LongAdder connects = new LongAdder();
    public final LongAdder summaries = new LongAdder();
    public final LongAdder[] callFailures = new LongAdder[FailureReason.values().length];
    private final Lane[] lanes;
    private final Histogram batchTotal = new Histogram(2);
    private final Histogram latencyTotal = new Histogram(2);

    /** @param writers threads that complete calls: the event loops with the loop hand-off, else 1 */
    public PolicyGroupStats(int writers) {
        for (int i = 0; i < callFailures.length; i++) {
            callFailures[i] = new LongAdder();
        }
        lanes = new Lane[writers];
        for (int i = 0; i < writers; i++) {
            lanes[i] = new Lane();
        }
        batchTotal.setAutoResize(true);
        latencyTotal.setAutoResize(true);
    }

    /** Only the thread of {@code writer} (see {@link Deliveries#writer()}). */
    void recordBatch(int writer, int size) {
        lanes[writer].batchSizes.recordValue(size);
    }

    /** Only the thread of {@code writer} (see {@link Deliveries#writer()}). Public for benchmarks. */
    public void recordLatencyNanos(int writer, long nanos) {
        lanes[writer].latencyMicros.recordValue(Math.max(1, nanos / 1000));
    }

    /** Admin thread: batch sizes since start. */
    public synchronized Histogram batchSizes() {
        for (Lane l : lanes) {
            l.batchInterval = l.batchSizes.getIntervalHistogram(l.batchInterval);
            batchTotal.add(l.batchInterval);
        }
        return batchTotal;
    }

    /** Admin thread: decision latency (microseconds) since start. */
    public synchronized Histogram latencyMicros() {
        for (Lane l : lanes) {
            l.latencyInterval = l.latencyMicros.getIntervalHistogram(l.latencyInterval);
            latencyTotal.add(l.latencyInterval);
        }
        return latencyTotal;
    }

    /** One writer's recorders, and the admin thread's interval histograms for them. */
    private static final class Lane {
        final SingleWriterRecorder batchSizes = new SingleWriterRecorder(2, true);
        final SingleWriterRecorder latencyMicros = new SingleWriterRecorder(2, true);
        Histogram batchInterval;
        Histogram latencyInterval;
    }
}
