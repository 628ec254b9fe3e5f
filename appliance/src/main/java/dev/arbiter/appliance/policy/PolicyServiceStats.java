package dev.arbiter.appliance.policy;

import dev.arbiter.appliance.telemetry.LoopSlots;
import java.util.concurrent.atomic.LongAdder;

/**
 * Policy counters of one virtual service. Loop-side counts (what requests finally got) live in
 * per-loop slots written only by their loop; counts made on the policy I/O thread use adders.
 */
public final class PolicyServiceStats {

    private final String service;
    private final PerLoop[] loops;
    /** Decisions received, by action (forward, respond, default), before the owning loop sees them. */
    public final LongAdder[] received = {new LongAdder(), new LongAdder(), new LongAdder()};
    public final LongAdder shadowAgree = new LongAdder();
    public final LongAdder shadowDisagree = new LongAdder();
    /** Shadow-mode requests whose decision failed, by reason (counted on the policy I/O thread). */
    public final LongAdder[] shadowFailures = new LongAdder[FailureReason.values().length];

    public PolicyServiceStats(String service, int loopCount) {
        this.service = service;
        for (int i = 0; i < shadowFailures.length; i++) {
            shadowFailures[i] = new LongAdder();
        }
        this.loops = new PerLoop[loopCount];
        for (int i = 0; i < loopCount; i++) {
            loops[i] = new PerLoop();
        }
    }

    public String service() {
        return service;
    }

    public PerLoop onLoop(int loop) {
        return loops[loop];
    }

    void onLoopShadowFailure(FailureReason r) {
        shadowFailures[r.ordinal()].increment();
    }

    public long failures(FailureReason r) {
        return shadowFailures[r.ordinal()].sum() + LoopSlots.sum(loops, l -> l.failures[r.ordinal()]);
    }

    public long applied(Decision.Action a) {
        return LoopSlots.sum(loops, l -> l.applied[a.ordinal()]);
    }

    public long fallbacks() {
        return LoopSlots.sum(loops, l -> l.fallbacks);
    }

    public long rejects() {
        return LoopSlots.sum(loops, l -> l.rejects);
    }

    public long published() {
        return LoopSlots.sum(loops, l -> l.published);
    }

    public long backendDown() {
        return LoopSlots.sum(loops, l -> l.backendDown);
    }


    /** One loop's slot. */
    public static final class PerLoop {
        public long published;
        public final long[] failures = new long[FailureReason.values().length];
        public final long[] applied = new long[Decision.Action.values().length];
        public long fallbacks;
        public long rejects;
        public long backendDown;
    }
}
