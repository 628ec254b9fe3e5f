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
        long sum = 0;
        for (PerLoop l : loops) {
            sum += l.rejected[r.ordinal()];
        }
        return sum;
    }

    public long noRoute() {
        long sum = 0;
        for (PerLoop l : loops) {
            sum += l.noRoute;
        }
        return sum;
    }

    public long connectionsRefused() {
        long sum = 0;
        for (PerLoop l : loops) {
            sum += l.connectionsRefused;
        }
        return sum;
    }

    public long acceptedTotal() {
        long sum = 0;
        for (PerLoop l : loops) {
            sum += l.accepted;
        }
        return sum;
    }

    /** One loop's slot. */
    public static final class PerLoop {
        public final long[] rejected = new long[RequestRejection.values().length];
        public long noRoute;
        public long connectionsRefused;
        public long accepted;
    }
}
