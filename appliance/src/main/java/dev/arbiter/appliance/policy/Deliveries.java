package dev.arbiter.appliance.policy;

import java.util.ArrayList;
import java.util.List;

/**
 * Decisions on their way back to the loops that own the requests, collected on the policy I/O
 * thread while an answer is processed and handed over with one task per loop per answer.
 * Shadow-mode decisions are compared here and counted; no request waits for them, so they go
 * back only with the loop hand-off, for the owning loop to recycle the summary.
 */
final class Deliveries {

    /** Takes one loop's (request, decision) pairs: {@link PolicyStage#deliver} in the product. */
    interface Sink {
        void deliver(int loop, List<Object> items);
    }

    private final Sink stage;
    private final List<List<Object>> perLoop;
    private final int writer;

    /** @param writer this thread's lane in the groups' stats: its loop with the loop hand-off, else 0 */
    Deliveries(Sink stage, int loops, int writer) {
        this.stage = stage;
        this.writer = writer;
        this.perLoop = new ArrayList<>();
        for (int i = 0; i < loops; i++) {
            perLoop.add(null);
        }
    }

    /** The lane in {@link PolicyGroupStats} of the one thread that uses this instance. */
    int writer() {
        return writer;
    }

    void add(PendingRequest p, Decision d, long nowNanos) {
        ServicePolicy sp = p.policy;
        if (nowNanos != 0) {
            sp.groupStats().recordLatencyNanos(writer, nowNanos - p.publishNanos);
        }
        if (!d.isFailure()) {
            sp.stats().received[d.action().ordinal()].increment();
        }
        if (sp.shadow()) {
            Shadow.compare(p, d);
            if (!p.pooled) {
                return; // ring hand-off: a copy of the ring slot, left to the garbage collector
            }
        }
        List<Object> l = perLoop.get(p.loop);
        if (l == null) {
            l = new ArrayList<>();
            perLoop.set(p.loop, l);
        }
        l.add(p);
        l.add(d);
    }

    void flush() {
        for (int i = 0; i < perLoop.size(); i++) {
            List<Object> l = perLoop.get(i);
            if (l != null) {
                perLoop.set(i, null);
                stage.deliver(i, l);
            }
        }
    }

    /** Shadow mode: would the decision have routed the request where the local algorithm did? */
    static final class Shadow {
        private Shadow() {
        }

        static void compare(PendingRequest p, Decision d) {
            PolicyServiceStats stats = p.policy.stats();
            if (d.isFailure()) {
                stats.onLoopShadowFailure(FailureReason.of(d.failure()));
                return;
            }
            boolean agree = switch (d.action()) {
                case DEFAULT -> true;
                case FORWARD -> d.rewritePath() == null && d.rewriteQuery() == null && d.setHeaders().isEmpty()
                        && d.removeHeaders().isEmpty()
                        && (d.pool() == null || (p.shadowBackend != null && d.pool().equals(p.shadowBackend.pool())))
                        && (d.backend() == null || (p.shadowBackend != null && d.backend().equals(p.shadowBackend.address())));
                default -> false;
            };
            (agree ? stats.shadowAgree : stats.shadowDisagree).increment();
        }
    }
}
