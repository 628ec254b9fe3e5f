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
        return LoopSlots.sum(loops, l -> l.rejected[r.ordinal()]);
    }

    public long noRoute() {
        return LoopSlots.sum(loops, l -> l.noRoute);
    }

    public long connectionsRefused() {
        return LoopSlots.sum(loops, l -> l.connectionsRefused);
    }

    public long acceptedTotal() {
        return LoopSlots.sum(loops, l -> l.accepted);
    }


    /** One loop's slot. */
    public static final class PerLoop {
        public final long[] rejected = new long[RequestRejection.values().length];
        public long noRoute;
        public long connectionsRefused;
        public long accepted;
    }
}
