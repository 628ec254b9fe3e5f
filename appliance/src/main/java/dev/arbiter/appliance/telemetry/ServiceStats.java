package dev.arbiter.appliance.telemetry;

import org.HdrHistogram.Histogram;
import org.HdrHistogram.SingleWriterRecorder;

/**
 * Counters and latency of one virtual service: one slot per event loop, each written only by its
 * loop, so counting costs no atomic operation. The admin thread sums the slots when scraped.
 */
public final class ServiceStats {

    private final String service;
    private final PerLoop[] loops;
    private final Histogram cumulative = new Histogram(2);

    public ServiceStats(String service, int loopCount) {
        this.service = service;
        this.loops = new PerLoop[loopCount];
        for (int i = 0; i < loopCount; i++) {
            loops[i] = new PerLoop();
        }
        cumulative.setAutoResize(true);
    }

    public String service() {
        return service;
    }

    public PerLoop onLoop(int loop) {
        return loops[loop];
    }

    /** Sum over loops of requests received. */
    public long requests() {
        long sum = 0;
        for (PerLoop l : loops) {
            sum += l.requests;
        }
        return sum;
    }

    /** Sum over loops of responses with status class {@code cls} (1 to 5). */
    public long responses(int cls) {
        long sum = 0;
        for (PerLoop l : loops) {
            sum += l.byClass[cls];
        }
        return sum;
    }

    /**
     * Folds what the loops recorded since the last call into the cumulative latency histogram
     * (microseconds) and returns it; only the admin thread calls this.
     */
    public synchronized Histogram latencyMicros() {
        for (PerLoop l : loops) {
            SingleWriterRecorder r = l.latency;
            if (r != null) {
                l.interval = r.getIntervalHistogram(l.interval);
                cumulative.add(l.interval);
            }
        }
        return cumulative;
    }

    /** One loop's slot. */
    public static final class PerLoop {
        public long requests;
        public final long[] byClass = new long[6];
        private volatile SingleWriterRecorder latency;
        private Histogram interval;

        public void recordResponse(int status) {
            int cls = status / 100;
            byClass[cls < 1 || cls > 5 ? 0 : cls]++;
        }

        /** Records one request's latency; the recorder is made on first use, not per request. */
        public void recordLatencyNanos(long nanos) {
            SingleWriterRecorder r = latency;
            if (r == null) {
                r = new SingleWriterRecorder(2, true);
                latency = r;
            }
            r.recordValue(Math.max(1, nanos / 1000));
        }
    }
}
