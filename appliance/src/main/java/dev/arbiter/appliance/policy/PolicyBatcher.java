package dev.arbiter.appliance.policy;

import com.lmax.disruptor.EventHandler;
import java.util.ArrayList;
import java.util.List;

/**
 * The ring's consumer: takes whatever summaries are available off the ring (the Disruptor's
 * natural batching) and hands them, per policy group, to the policy I/O thread in one task per
 * run. It copies each slot out so the slot can be reused at once; it never waits for company,
 * so a lone request leaves immediately.
 */
final class PolicyBatcher implements EventHandler<SummarySlot> {

    private final int maxRun;
    private final List<PolicyGroup> touched = new ArrayList<>();

    PolicyBatcher(int maxRun) {
        this.maxRun = maxRun;
    }

    @Override
    public void onEvent(SummarySlot slot, long sequence, boolean endOfBatch) {
        PendingRequest p = new PendingRequest(slot);
        slot.clear();
        PolicyGroup g = p.policy.group(0);
        if (g.run.isEmpty()) {
            touched.add(g);
        }
        g.run.add(p);
        if (g.run.size() >= maxRun) {
            handOff(g);
        }
        if (endOfBatch) {
            for (int i = 0; i < touched.size(); i++) {
                PolicyGroup t = touched.get(i);
                if (!t.run.isEmpty()) {
                    handOff(t);
                }
            }
            touched.clear();
        }
    }

    private static void handOff(PolicyGroup g) {
        List<PendingRequest> requests = new ArrayList<>(g.run);
        g.run.clear();
        g.io().execute(() -> g.enqueue(requests));
    }
}
