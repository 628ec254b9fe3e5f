package dev.arbiter.appliance.telemetry;

import dev.arbiter.appliance.http.RequestRejection;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Appliance-wide counters not tied to a virtual service: client connections and rejections.
 * Per-loop slots as in {@link ServiceStats}; the connection count is one atomic because the
 * global connection cap needs a single truth (touched on accept and close only).
 */
public final class ApplianceStats {

    private final AtomicInteger clientConnections = new AtomicInteger();
    private final PerLoop[] loops;

    public ApplianceStats(int loopCount) {
        loops = new PerLoop[loopCount];
        for (int i = 0; i < loopCount; i++) {
            loops[i] = new PerLoop();
        }
    }

    public AtomicInteger clientConnections() {
        return clientConnections;
    }

    public PerLoop onLoop(int loop) {
        return loops[loop];
    }

    public long rejected(RequestRejection r) {
        return sum(l -> l.rejected[r.ordinal()]);
    }

    public long noRoute() {
        return sum(l -> l.noRoute);
    }

    public long connectionsRefused() {
        return sum(l -> l.connectionsRefused);
    }

    public long acceptedTotal() {
        return sum(l -> l.accepted);
    }

    /** Admin thread: a counter summed over the loops' slots. */
    private long sum(java.util.function.ToLongFunction<PerLoop> counter) {
        long total = 0;
        for (PerLoop l : loops) {
            total += counter.applyAsLong(l);
        }
        return total;
    }

    /** One loop's slot. */
    public static final class PerLoop {
        public final long[] rejected = new long[RequestRejection.values().length];
        public long noRoute;
        public long connectionsRefused;
        public long accepted;
    }
}
